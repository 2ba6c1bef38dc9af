using System.Security.Cryptography;
using Google.Protobuf;
using Shoal.Core;
using Shoal.Dht.Wire;
using Shoal.Net;

namespace Shoal.Dht.Tests;

/// <summary>The async shell over real libp2p hosts (Noise + Yamux on Net's in-memory transport).</summary>
public sealed class KadDhtTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private sealed class Cluster : IAsyncDisposable
    {
        public List<(P2pHost Host, KadDht Dht)> Nodes { get; } = new();

        public MemoryNetwork Network { get; } = new();

        public async Task<(P2pHost Host, KadDht Dht)> AddAsync(KadDhtOptions? options = null, Identity? identity = null)
        {
            var host = new P2pHost(new HostOptions
            {
                Identity = identity ?? Identity.Generate(),
                Transports = [new MemoryTransport(Network)],
                ListenAddresses = [Multiaddr.Parse("/memory/0")],
            });
            await host.StartAsync();
            var bootstrap = Nodes.Count == 0 ? [] : new[] { Address(Nodes[0].Host) };
            var dht = new KadDht(host, (options ?? new KadDhtOptions()) with { AllowPrivateAddresses = true, BootstrapPeers = bootstrap });
            await dht.StartAsync();
            Nodes.Add((host, dht));
            return (host, dht);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var (host, dht) in Nodes)
            {
                await dht.DisposeAsync();
                await host.DisposeAsync();
            }
        }
    }

    private static Task WhenRecordAccepted(KadDht dht)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        dht.ProviderRecordAccepted += (_, _) => tcs.TrySetResult();
        return tcs.Task.WaitAsync(Wait);
    }

    private static Multiaddr Address(P2pHost host) => host.ListenAddresses[0].WithPeerId(host.LocalPeer);

    private static Cid RandomCid() => Cid.Compute(1, MulticodecCode.Raw, RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task Nodes_bootstrap_provide_and_find_each_other_over_libp2p()
    {
        await using var cluster = new Cluster();
        for (int i = 0; i < 12; i++)
        {
            var (_, dht) = await cluster.AddAsync();
            if (i > 0) await dht.BootstrapAsync().WaitAsync(Wait);
        }
        var provider = cluster.Nodes[5];
        var cid = RandomCid();
        int sent = await provider.Dht.AnnounceAsync(cid).WaitAsync(Wait);
        Assert.InRange(sent, 5, DhtConstants.BucketSize);

        foreach (var (host, dht) in cluster.Nodes)
        {
            if (host == provider.Host) continue;
            using var cts = new CancellationTokenSource(Wait);
            var found = await dht.FindProvidersAsync(cid, 1, cts.Token).ToListAsync(cts.Token);
            var info = Assert.Single(found);
            Assert.Equal(provider.Host.LocalPeer, info.Id);
            Assert.NotEmpty(info.Addresses);
        }
        // Nobody provides this one: the lookup ends (converges) with nothing rather than hanging.
        using (var cts = new CancellationTokenSource(Wait))
        {
            Assert.Empty(await cluster.Nodes[1].Dht.FindProvidersAsync(RandomCid(), 1, cts.Token).ToListAsync(cts.Token));
        }
        var closest = await cluster.Nodes[3].Dht.FindClosestPeersAsync(provider.Host.LocalPeer.Bytes).WaitAsync(Wait);
        Assert.Equal(provider.Host.LocalPeer, closest[0].Id);
    }

    [Fact]
    public async Task Providers_are_still_found_after_30_percent_of_the_nodes_went_away()
    {
        await using var cluster = new Cluster();
        for (int i = 0; i < 20; i++)
        {
            var (_, dht) = await cluster.AddAsync();
            if (i > 0) await dht.BootstrapAsync().WaitAsync(Wait);
        }
        var provider = cluster.Nodes[7];
        var cid = RandomCid();
        Assert.True(await provider.Dht.AnnounceAsync(cid).WaitAsync(Wait) >= 10);

        // Six nodes vanish without a word (never the provider); their entries stay in everybody's tables.
        var random = new Random(11);
        var gone = cluster.Nodes.Where(n => n != provider).OrderBy(_ => random.Next()).Take(6).ToList();
        foreach (var node in gone)
        {
            await node.Dht.DisposeAsync();
            await node.Host.DisposeAsync();
            cluster.Nodes.Remove(node);
        }
        foreach (var (host, dht) in cluster.Nodes)
        {
            if (host == provider.Host) continue;
            using var cts = new CancellationTokenSource(Wait);
            var found = await dht.FindProvidersAsync(cid, 1, cts.Token).ToListAsync(cts.Token);
            Assert.Equal(provider.Host.LocalPeer, Assert.Single(found).Id);
        }
    }

    [Fact]
    public async Task Client_mode_node_queries_but_is_never_added_to_routing_tables()
    {
        await using var cluster = new Cluster();
        var (_, server) = await cluster.AddAsync();
        var (_, server2) = await cluster.AddAsync();
        await server2.BootstrapAsync().WaitAsync(Wait);
        var (clientHost, client) = await cluster.AddAsync(new KadDhtOptions { Mode = DhtMode.Client });
        Assert.True(await client.BootstrapAsync().WaitAsync(Wait) >= 1);
        var cid = RandomCid();
        await server2.AnnounceAsync(cid).WaitAsync(Wait);
        using var cts = new CancellationTokenSource(Wait);
        Assert.Single(await client.FindProvidersAsync(cid, 1, cts.Token).ToListAsync(cts.Token));
        Assert.DoesNotContain(clientHost.LocalPeer, server.RoutingTablePeers);
        Assert.DoesNotContain(clientHost.LocalPeer, server2.RoutingTablePeers);
    }

    [Fact]
    public async Task Provider_records_survive_a_restart()
    {
        var dir = Directory.CreateTempSubdirectory("shoal-dht-").FullName;
        try
        {
            await using var cluster = new Cluster();
            var identity = Identity.Generate();
            var (storeHost, storeDht) = await cluster.AddAsync(new KadDhtOptions { DataDirectory = dir }, identity);
            var (_, provider) = await cluster.AddAsync();
            await provider.BootstrapAsync().WaitAsync(Wait);
            var cid = RandomCid();
            var stored = WhenRecordAccepted(storeDht);
            Assert.Equal(1, await provider.AnnounceAsync(cid).WaitAsync(Wait));
            await stored;
            Assert.Equal(1, storeDht.ProviderRecordCount);

            await storeDht.DisposeAsync();
            await storeHost.DisposeAsync();
            cluster.Nodes.RemoveAt(0);
            Assert.True(File.Exists(Path.Combine(dir, ProviderStoreFile.FileName)));

            await using var host = new P2pHost(new HostOptions { Identity = identity, Transports = [new MemoryTransport(cluster.Network)], ListenAddresses = [Multiaddr.Parse("/memory/0")] });
            await host.StartAsync();
            await using var restarted = new KadDht(host, new KadDhtOptions { DataDirectory = dir, AllowPrivateAddresses = true });
            await restarted.StartAsync();
            Assert.Equal(1, restarted.ProviderRecordCount);
            using var cts = new CancellationTokenSource(Wait);
            var found = await restarted.FindProvidersAsync(cid, 1, cts.Token).ToListAsync(cts.Token);
            Assert.Equal(cluster.Nodes[0].Host.LocalPeer, Assert.Single(found).Id);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Records_expire_after_48_hours_and_providers_republish_after_22()
    {
        await using var cluster = new Cluster();
        var storeClock = new ManualClock();
        var providerClock = new ManualClock();
        var manual = Timeout.InfiniteTimeSpan; // maintenance only when the test runs it
        var (_, store) = await cluster.AddAsync(new KadDhtOptions { TimeProvider = storeClock, MaintenanceInterval = manual });
        var (_, provider) = await cluster.AddAsync(new KadDhtOptions { TimeProvider = providerClock, MaintenanceInterval = manual });
        await provider.BootstrapAsync().WaitAsync(Wait);
        var cid = RandomCid();
        var stored = WhenRecordAccepted(store);
        await provider.AnnounceAsync(cid).WaitAsync(Wait);
        await stored;
        Assert.Equal(1, store.ProviderRecordCount);

        storeClock.Advance(TimeSpan.FromHours(47));
        await store.RunMaintenanceAsync().WaitAsync(Wait);
        Assert.Equal(1, store.ProviderRecordCount);
        storeClock.Advance(TimeSpan.FromHours(1));
        await store.RunMaintenanceAsync().WaitAsync(Wait);
        Assert.Equal(0, store.ProviderRecordCount);

        providerClock.Advance(TimeSpan.FromHours(21));
        await provider.RunMaintenanceAsync().WaitAsync(Wait);
        Assert.Equal(0, store.ProviderRecordCount); // not due yet
        var republished = WhenRecordAccepted(store);
        providerClock.Advance(TimeSpan.FromHours(1));
        await provider.RunMaintenanceAsync().WaitAsync(Wait);
        await republished;
        Assert.Equal(1, store.ProviderRecordCount);
    }

    private static async Task<IP2pStream> OpenDhtStreamAsync(P2pHost from, P2pHost to)
    {
        await from.ConnectAsync(Address(to));
        return await from.OpenStreamAsync(to.LocalPeer, [DhtConstants.DefaultProtocolId]);
    }

    private static async Task<bool> EndsWithResetOrCloseAsync(IP2pStream stream)
    {
        try
        {
            using var cts = new CancellationTokenSource(Wait);
            while (true)
            {
                var result = await stream.Input.ReadAsync(cts.Token);
                stream.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) return true;
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            return true;
        }
    }

    [Fact]
    public async Task One_inbound_stream_carries_many_requests()
    {
        await using var cluster = new Cluster();
        var (serverHost, _) = await cluster.AddAsync();
        var (otherHost, other) = await cluster.AddAsync();
        await other.BootstrapAsync().WaitAsync(Wait);
        await using var asker = new P2pHost(new HostOptions { Transports = [new MemoryTransport(cluster.Network)] });
        var stream = await OpenDhtStreamAsync(asker, serverHost);
        await using var _ = stream;
        for (int i = 0; i < 3; i++)
        {
            var request = new DhtMessage { Type = DhtMessage.Types.MessageType.FindNode, Key = ByteString.CopyFrom(otherHost.LocalPeer.Bytes.Span) };
            await DhtStreamIO.WriteAsync(stream.Output, request, CancellationToken.None);
            var response = await DhtStreamIO.ReadAsync(stream.Input, CancellationToken.None).AsTask().WaitAsync(Wait);
            Assert.Equal(DhtMessage.Types.MessageType.FindNode, response!.Type);
            Assert.Contains(DhtPeerCodec.Decode(response.CloserPeers), p => p.Id.Equals(otherHost.LocalPeer));
        }
    }

    [Fact]
    public async Task Bad_input_resets_the_stream_and_the_node_keeps_serving()
    {
        await using var cluster = new Cluster();
        var (serverHost, server) = await cluster.AddAsync(new KadDhtOptions { ProviderLimits = new ProviderStoreLimits { MaxRecordsPerProvider = 20 } });
        await using var attacker = new P2pHost(new HostOptions { Transports = [new MemoryTransport(cluster.Network)], ListenAddresses = [Multiaddr.Parse("/memory/0")] });
        await attacker.StartAsync();

        // 1. Garbage protobuf.
        var s1 = await OpenDhtStreamAsync(attacker, serverHost);
        await s1.Output.WriteAsync(new byte[] { 5, 0xff, 0xff, 0xff, 0xff, 0xff });
        await s1.Output.FlushAsync();
        Assert.True(await EndsWithResetOrCloseAsync(s1));
        await s1.DisposeAsync();

        // 2. A length prefix announcing 64 MiB: refused before anything is buffered.
        var s2 = await OpenDhtStreamAsync(attacker, serverHost);
        await s2.Output.WriteAsync(new byte[] { 0x80, 0x80, 0x80, 0x20 });
        await s2.Output.FlushAsync();
        Assert.True(await EndsWithResetOrCloseAsync(s2));
        await s2.DisposeAsync();

        // 2b. A well-formed but huge request (100 KiB key): refused at the request size cap, before parsing.
        var s2b = await OpenDhtStreamAsync(attacker, serverHost);
        try
        {
            await DhtStreamIO.WriteAsync(s2b.Output, new DhtMessage { Type = DhtMessage.Types.MessageType.FindNode, Key = ByteString.CopyFrom(new byte[100 * 1024]) }, CancellationToken.None);
        }
        catch (IOException)
        {
            // The server may reset while we are still sending: that is the refusal.
        }
        Assert.True(await EndsWithResetOrCloseAsync(s2b));
        await s2b.DisposeAsync();

        // 3. A provider record about someone else.
        var s3 = await OpenDhtStreamAsync(attacker, serverHost);
        var forged = new DhtMessage { Type = DhtMessage.Types.MessageType.AddProvider, Key = ByteString.CopyFrom(RandomCid().Hash.Bytes.Span) };
        forged.ProviderPeers.Add(DhtPeerCodec.Encode(Identity.Generate().PeerId, [Multiaddr.Parse("/ip4/10.0.0.1/tcp/1")]));
        await DhtStreamIO.WriteAsync(s3.Output, forged, CancellationToken.None);
        Assert.True(await EndsWithResetOrCloseAsync(s3));
        await s3.DisposeAsync();
        Assert.Equal(0, server.ProviderRecordCount);

        // 4. A flood of valid ADD_PROVIDER records about itself, on one reused stream: capped at its quota.
        var s4 = await OpenDhtStreamAsync(attacker, serverHost);
        for (int i = 0; i < 200; i++)
        {
            var add = new DhtMessage { Type = DhtMessage.Types.MessageType.AddProvider, Key = ByteString.CopyFrom(RandomCid().Hash.Bytes.Span) };
            add.ProviderPeers.Add(DhtPeerCodec.Encode(attacker.LocalPeer, attacker.ListenAddresses));
            try
            {
                await DhtStreamIO.WriteAsync(s4.Output, add, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                break; // the server reset the stream once the quota was hit
            }
        }
        Assert.True(await EndsWithResetOrCloseAsync(s4));
        await s4.DisposeAsync();
        Assert.Equal(20, server.ProviderRecordCount);
        Assert.True(server.ServerStats.RequestsRefused >= 5);

        // The node still serves others.
        var (_, honest) = await cluster.AddAsync();
        await honest.BootstrapAsync().WaitAsync(Wait);
        var cid = RandomCid();
        var stored = WhenRecordAccepted(server);
        Assert.Equal(1, await honest.AnnounceAsync(cid).WaitAsync(Wait));
        await stored;
        Assert.Equal(21, server.ProviderRecordCount);
    }
}

/// <summary>A clock the test moves by hand (timers still run on real time; the DHT reads only GetUtcNow for its state).</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
