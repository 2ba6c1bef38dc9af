using System.Security.Cryptography;
using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;
using Shoal.Net.Routing;
using Shoal.Node;

namespace Shoal.Registry.Tests;

/// <summary>
/// The pulling node's blob read over real libp2p (TCP loopback) and real Bitswap: one Bitswap session per blob,
/// seeded with the providers found through content routing, so several peers serve parts of one layer at
/// once and neighbours that are not providers are never asked.
/// </summary>
public sealed class BitswapSessionFetchTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);
    private readonly TempDirectory _dir = new();
    private readonly List<Peer> _peers = [];
    private readonly StaticContentRouting _table = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var p in _peers) await p.DisposeAsync();
        _dir.Dispose();
    }

    private sealed class Peer : IAsyncDisposable
    {
        public required P2pHost Host { get; init; }
        public required Libp2pBitswapNetwork Network { get; init; }
        public required Bitswap.Bitswap Bitswap { get; init; }
        public required MemoryBlockStore Store { get; init; }
        public required DagBlobSwarm Swarm { get; init; }

        public Multiaddr Address => Host.ListenAddresses[0].WithPeerId(Host.LocalPeer);

        public async ValueTask DisposeAsync()
        {
            await Bitswap.DisposeAsync();
            await Network.DisposeAsync();
            await Host.DisposeAsync();
        }
    }

    private async Task<Peer> StartPeerAsync(string name, bool speaksBlobRoot = true)
    {
        var host = new P2pHost(new HostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        await host.StartAsync();
        var network = new Libp2pBitswapNetwork(host);
        var store = new MemoryBlockStore();
        var bitswap = new Bitswap.Bitswap(network, store, BitswapOptions.For(BitswapStrategy.Shoal));
        bitswap.Start();
        var routing = new P2pBlobRouting(host, _table.WithLocalPeer(new PeerInfo(host.LocalPeer, host.ListenAddresses, [], null)));
        var fetcher = new NodeBlockFetcher((providers, ct) => StartAsync(bitswap, providers, ct), Timeout);
        var swarm = new DagBlobSwarm(store, routing, fetcher, _dir.Sub(name + "-index"));
        if (speaksBlobRoot) BlobRootProtocol.Register(host, swarm);
        var peer = new Peer { Host = host, Network = network, Bitswap = bitswap, Store = store, Swarm = swarm };
        _peers.Add(peer);
        return peer;

        static async Task<BitswapSession?> StartAsync(Bitswap.Bitswap b, IReadOnlyList<PeerId> providers, CancellationToken ct) =>
            await b.StartSessionAsync(providers, ct);
    }

    [Fact]
    public async Task One_seeded_session_takes_a_blob_from_all_its_providers_at_once_and_never_asks_a_bystander()
    {
        var content = SeededContentStream.Bytes("session-blob", 12 * 1024 * 1024 + 5); // 13 leaves of 1 MiB
        var digest = OciDigest.Compute(content);
        var providers = new List<Peer>();
        for (var i = 0; i < 3; i++)
        {
            var p = await StartPeerAsync("provider" + i);
            await p.Swarm.StoreAsync(digest, new MemoryStream(content), content.Length, CancellationToken.None);
            providers.Add(p);
        }
        var bystander = await StartPeerAsync("bystander", speaksBlobRoot: false);
        var puller = await StartPeerAsync("puller");
        await puller.Host.ConnectAsync(bystander.Address);
        foreach (var p in providers) puller.Host.AddAddresses(p.Host.LocalPeer, p.Host.ListenAddresses);

        var source = await puller.Swarm.LocateAsync(digest, CancellationToken.None);
        Assert.NotNull(source);
        Assert.False(source.IsLocal);
        Assert.Equal(providers.Select(p => p.Host.LocalPeer.ToString()).Order(), source.Providers.Order());

        byte[] read;
        await using (var stream = await puller.Swarm.OpenReadAsync(source, 0, CancellationToken.None))
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy).WaitAsync(Timeout);
            read = copy.ToArray();
        }
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(read));

        // Several providers served parts of the one layer, and together they sent each block once or nearly.
        var served = providers.Select(p => p.Bitswap.Stats.BlocksSent).ToArray();
        Assert.True(served.Count(n => n > 0) >= 2, $"blocks sent per provider: {string.Join(", ", served)}");
        Assert.True(served.Sum() >= 14, $"blocks sent per provider: {string.Join(", ", served)}");
        // The session went straight to the providers: the connected bystander heard no want at all.
        Assert.Contains(bystander.Host.LocalPeer, puller.Host.ConnectedPeers);
        var (_, bystanderHeard) = await bystander.Bitswap.GetWantlistsAsync(puller.Host.LocalPeer);
        Assert.Empty(bystanderHeard);
        Assert.Equal(0, bystander.Bitswap.Stats.MessagesReceived);
    }

    [Fact]
    public async Task A_range_read_fetches_only_the_blocks_from_the_offset_on()
    {
        var content = SeededContentStream.Bytes("session-range", 6 * 1024 * 1024);
        var digest = OciDigest.Compute(content);
        var provider = await StartPeerAsync("range-provider");
        await provider.Swarm.StoreAsync(digest, new MemoryStream(content), content.Length, CancellationToken.None);
        var puller = await StartPeerAsync("range-puller");
        puller.Host.AddAddresses(provider.Host.LocalPeer, provider.Host.ListenAddresses);
        var source = await puller.Swarm.LocateAsync(digest, CancellationToken.None);
        Assert.NotNull(source);

        const int offset = 4 * 1024 * 1024 + 10;
        byte[] read;
        await using (var stream = await puller.Swarm.OpenReadAsync(source, offset, CancellationToken.None))
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy).WaitAsync(Timeout);
            read = copy.ToArray();
        }
        Assert.Equal(content.AsSpan(offset).ToArray(), read);
        Assert.Equal(3, provider.Bitswap.Stats.BlocksSent); // the root and the last two leaves
    }

    [Fact]
    public async Task Mirrors_pulling_one_image_at_once_take_each_blob_from_the_upstream_once()
    {
        await using var registry = await DockerRegistryProcess.StartAsync();
        const string repo = "swarm/at-once";
        var image = TestImage.Generate(seed: 77, 3_000_000, 1_500_000);
        using (var pusher = new OciPusher(registry.Url)) await pusher.PushAsync(repo, image, "v1");
        var peers = new List<Peer>();
        for (var i = 0; i < 4; i++) peers.Add(await StartPeerAsync("at-once" + i));
        for (var i = 1; i < peers.Count; i++)
            for (var j = 0; j < i; j++) await peers[i].Host.ConnectAsync(peers[j].Address);
        var mirrors = new List<RegistryMirrorHost>();
        try
        {
            for (var i = 0; i < peers.Count; i++)
                mirrors.Add(await RegistryMirrorHost.StartAsync(new RegistryMirrorOptions
                {
                    Listen = "127.0.0.1:0", DefaultUpstream = registry.Url, DataDirectory = _dir.Sub("at-once-mirror" + i),
                }, peers[i].Swarm));
            for (var i = 0; i < peers.Count; i++) BlobStreamProtocol.Register(peers[i].Host, mirrors[i].Mirror.Downloads);

            // Every mirror is asked for every blob at the same moment; nobody holds any of them yet.
            await Task.WhenAll(mirrors.Select(async m =>
            {
                using var client = MirrorClient.For(m);
                await Task.WhenAll(image.Blobs.Select(async blob =>
                {
                    using var response = await client.GetAsync($"/v2/{repo}/blobs/{blob.Digest}");
                    Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
                    Assert.Equal(blob.Digest, TestImage.DigestOf(await response.Content.ReadAsByteArrayAsync()));
                }));
            })).WaitAsync(Timeout);
            foreach (var m in mirrors) await m.Mirror.Downloads.IdleAsync().WaitAsync(Timeout);

            var state = string.Join("; ", mirrors.Select(m => $"upstream {m.Metrics.BlobsFromUpstream}, peers {m.Metrics.BlobsFromPeers}"));
            foreach (var blob in image.Blobs)
                Assert.True(registry.BlobGets(blob.Digest) == 1, $"{blob.Digest}: {registry.BlobGets(blob.Digest)} upstream GETs; mirrors: {state}");
            Assert.Equal(image.Blobs.Count(), mirrors.Sum(m => m.Metrics.BlobsFromUpstream));
            Assert.Equal(image.Blobs.Count() * (mirrors.Count - 1), mirrors.Sum(m => m.Metrics.BlobsFromPeers));
            // The waiters read the first node's downloads while they were under way (not only once it held each blob).
            Assert.True(mirrors.Sum(m => m.Mirror.Downloads.PeerReaders) > 0, "no peer read a download under way");
        }
        finally
        {
            foreach (var m in mirrors) await m.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_blob_read_whole_from_peers_is_kept_as_the_dag_it_came_in_not_imported_again()
    {
        await using var registry = await DockerRegistryProcess.StartAsync(); // the mirror's upstream, never asked for the blob
        var content = SeededContentStream.Bytes("kept-dag", 3 * 1024 * 1024 + 17);
        var digest = OciDigest.Compute(content);
        var provider = await StartPeerAsync("kept-provider");
        // The provider holds it under another chunking than the mirror's own (256 KiB leaves), so the puller's
        // index tells which DAG it kept: a re-import would give the 1 MiB-leaf root instead.
        var theirs = await UnixFsImporter.ImportAsync(content, provider.Store, UnixFsImportOptions.KuboV1);
        await provider.Swarm.Index.SetAsync(digest, theirs.Root, content.Length, CancellationToken.None);
        var ours = await UnixFsImporter.ImportAsync(content, new MemoryBlockStore(), DagBlobSwarm.ImportOptions);
        Assert.NotEqual(theirs.Root, ours.Root);
        var puller = await StartPeerAsync("kept-puller");
        await puller.Host.ConnectAsync(provider.Address);

        await using var mirror = await RegistryMirrorHost.StartAsync(new RegistryMirrorOptions
        {
            Listen = "127.0.0.1:0", DefaultUpstream = registry.Url, DataDirectory = _dir.Sub("kept-mirror"),
        }, puller.Swarm);
        using (var client = MirrorClient.For(mirror))
        {
            var bytes = await client.GetByteArrayAsync($"/v2/some/repo/blobs/{digest}").WaitAsync(Timeout);
            Assert.Equal(SHA256.HashData(content), SHA256.HashData(bytes));
        }
        await mirror.Mirror.Downloads.IdleAsync().WaitAsync(Timeout);

        Assert.True(puller.Swarm.Index.TryGet(digest, out var kept, out var length));
        Assert.Equal(theirs.Root, kept);
        Assert.Equal(content.Length, length);
        Assert.False(await puller.Store.HasAsync(ours.Root));
        Assert.Equal(0, registry.BlobGets(digest.ToString()));
        Assert.Equal(1, mirror.Metrics.BlobsFromPeers);
    }
}
