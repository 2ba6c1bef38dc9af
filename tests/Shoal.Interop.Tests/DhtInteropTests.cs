using System.Security.Cryptography;
using Shoal.Core;
using Shoal.Dht;
using Shoal.Net;

namespace Shoal.Interop.Tests;

/// <summary>Shoal's DHT against real js-libp2p @libp2p/kad-dht servers on loopback.</summary>
public sealed class DhtInteropTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static async Task<(P2pHost Host, KadDht Dht)> StartShoalAsync(DhtMode mode, params string[] bootstrap)
    {
        var host = new P2pHost(new HostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        await host.StartAsync();
        var dht = new KadDht(host, new KadDhtOptions
        {
            Mode = mode,
            AllowPrivateAddresses = true,
            BootstrapPeers = bootstrap.Select(Multiaddr.Parse).ToList(),
        });
        await dht.StartAsync();
        return (host, dht);
    }

    private static Cid RandomCid() => Cid.Compute(1, MulticodecCode.Raw, RandomNumberGenerator.GetBytes(64));

    private static Task WhenInRoutingTable(KadDht dht, string peer)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        dht.PeerAdded += p => { if (p.ToString() == peer) tcs.TrySetResult(); };
        if (dht.RoutingTablePeers.Any(p => p.ToString() == peer)) tcs.TrySetResult();
        return tcs.Task.WaitAsync(Wait);
    }

    [Fact]
    public async Task Shoal_provides_and_the_js_node_finds_shoal_as_provider()
    {
        await using var js = await DhtJsPeers.StartAsync(2);
        await js.CallAsync("dial", new { node = 1, addr = js.Nodes[0].Addresses[0] });
        await js.CallAsync("waitRoutingTable", new { node = 1, peer = js.Nodes[0].Id });
        var (host, dht) = await StartShoalAsync(DhtMode.Server, js.Nodes[0].Addresses[0]);
        await using var _ = host;
        await using var __ = dht;
        Assert.True(await dht.BootstrapAsync() >= 1);

        var cid = RandomCid();
        int sent = await dht.AnnounceAsync(cid);
        Assert.Equal(2, sent); // both js servers are among the closest (they are all there is)

        var answer = await js.CallAsync("findProviders", new { node = 1, cid = cid.ToString(), max = 1 });
        var provider = Assert.Single(answer["providers"]!.AsArray());
        Assert.Equal(host.LocalPeer.ToString(), provider!["id"]!.GetValue<string>());
        var addrs = DhtJsPeers.Strings(provider["addrs"]);
        Assert.Contains(addrs, a => host.ListenAddresses.Any(l => a.StartsWith(l.ToString(), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_js_node_provides_and_shoal_finds_it()
    {
        await using var js = await DhtJsPeers.StartAsync(2);
        await js.CallAsync("dial", new { node = 1, addr = js.Nodes[0].Addresses[0] });
        await js.CallAsync("waitRoutingTable", new { node = 1, peer = js.Nodes[0].Id });
        var (serverHost, server) = await StartShoalAsync(DhtMode.Server, js.Nodes[0].Addresses[0]);
        await using var _ = serverHost;
        await using var __ = server;
        await server.BootstrapAsync();
        await js.CallAsync("waitRoutingTable", new { node = 0, peer = serverHost.LocalPeer.ToString() });
        // js1 is given Shoal directly: its provide looks up the key's closest peers, and js follows a peer named in an
        // answer only when it is closer to the key than the peer that named it, so learning Shoal from js0's answer
        // depends on the random ids and the key (the record missed Shoal once in five full runs, in 4 s).
        await js.CallAsync("dial", new { node = 1, addr = $"{serverHost.ListenAddresses[0]}/p2p/{serverHost.LocalPeer}" });
        await js.CallAsync("waitRoutingTable", new { node = 1, peer = serverHost.LocalPeer.ToString() });

        var cid = RandomCid();
        var accepted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.ProviderRecordAccepted += (key, peer) => { if (key.Bytes.Span.SequenceEqual(cid.Hash.Bytes.Span)) accepted.TrySetResult(peer.ToString()); };
        var provided = await js.CallAsync("provide", new { node = 1, cid = cid.ToString() });
        // js sent its record to the Shoal server too, and Shoal accepted it.
        Assert.True(DhtJsPeers.Strings(provided["sentTo"]).Contains(serverHost.LocalPeer.ToString()),
            $"js did not send its record to the Shoal server {serverHost.LocalPeer}: {provided.ToJsonString()}");
        Assert.Equal(js.Nodes[1].Id, await accepted.Task.WaitAsync(Wait));
        var local = await server.FindProvidersAsync(cid, 1).ToListAsync();
        Assert.Equal(js.Nodes[1].Id, Assert.Single(local).Id.ToString());

        // A Shoal client that knows only js node 0 finds the provider through GET_PROVIDERS over the wire.
        var (clientHost, client) = await StartShoalAsync(DhtMode.Client, js.Nodes[0].Addresses[0]);
        await using var ___ = clientHost;
        await using var ____ = client;
        await client.BootstrapAsync();
        using var cts = new CancellationTokenSource(Wait);
        var found = await client.FindProvidersAsync(cid, 1, cts.Token).ToListAsync(cts.Token);
        var provider = Assert.Single(found);
        Assert.Equal(js.Nodes[1].Id, provider.Id.ToString());
        Assert.Contains(provider.Addresses, a => js.Nodes[1].Addresses.Any(j => j.StartsWith(a.ToString(), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Find_node_answers_are_accepted_both_ways()
    {
        // js0 <- js1 ; shoal -> js0 ; js2 -> shoal ; js1 -> shoal. js1 can learn js2 only from Shoal's answer, Shoal learns js1 only from js0's.
        await using var js = await DhtJsPeers.StartAsync(3);
        await js.CallAsync("dial", new { node = 1, addr = js.Nodes[0].Addresses[0] });
        await js.CallAsync("waitRoutingTable", new { node = 1, peer = js.Nodes[0].Id });
        var (host, dht) = await StartShoalAsync(DhtMode.Server, js.Nodes[0].Addresses[0]);
        await using var _ = host;
        await using var __ = dht;
        await dht.BootstrapAsync();
        var js2Admitted = WhenInRoutingTable(dht, js.Nodes[2].Id);
        await js.CallAsync("dial", new { node = 2, addr = $"{host.ListenAddresses[0]}/p2p/{host.LocalPeer}" });
        await js2Admitted;
        await js.CallAsync("waitRoutingTable", new { node = 0, peer = host.LocalPeer.ToString() });

        // Shoal -> js: Shoal's lookup for js1's id goes through js0's FIND_NODE answer.
        var closest = await dht.FindClosestPeersAsync(PeerId.Parse(js.Nodes[1].Id).Bytes);
        Assert.Contains(closest, p => p.Id.ToString() == js.Nodes[1].Id);
        Assert.Contains(closest, p => p.Id.ToString() == js.Nodes[0].Id);

        // js -> Shoal: js1's lookup for js2's id must go through Shoal's FIND_NODE answer. js1 is given Shoal
        // directly: js follows a peer named in an answer only when it is closer to the key than the peer that named
        // it, so reaching Shoal through js0's answer would depend on the random ids (it failed that way about one run
        // in ten). js2 is at distance 0 from the key, so Shoal's answer naming it is always followed.
        await js.CallAsync("dial", new { node = 1, addr = $"{host.ListenAddresses[0]}/p2p/{host.LocalPeer}" });
        await js.CallAsync("waitRoutingTable", new { node = 1, peer = host.LocalPeer.ToString() });
        var answer = await js.CallAsync("closest", new { node = 1, key = js.Nodes[2].Id });
        var responses = answer["responses"]!.AsObject();
        Assert.True(responses.ContainsKey(host.LocalPeer.ToString()), $"js never got an answer from Shoal: {answer}");
        Assert.Contains(js.Nodes[2].Id, DhtJsPeers.Strings(responses[host.LocalPeer.ToString()]));
        Assert.Contains(js.Nodes[2].Id, DhtJsPeers.Strings(answer["final"]));
        Assert.False(answer["errors"]!.AsObject().ContainsKey(host.LocalPeer.ToString()), $"js reported an error from Shoal: {answer}");
    }
}
