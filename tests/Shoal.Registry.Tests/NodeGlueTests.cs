using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;
using Shoal.Net.Routing;
using Shoal.Node;
using NodeMirrorHost = Shoal.Node.RegistryMirrorHost;

namespace Shoal.Registry.Tests;

/// <summary>The mirror inside the node: the daemon hook, and blob roots found over real libp2p streams.</summary>
public sealed class NodeGlueTests : IAsyncLifetime
{
    private const string Repo = "glue/image";
    private readonly TempDirectory _dir = new();
    private DockerRegistryProcess _registry = null!;
    private readonly TestImage _image = TestImage.Generate(seed: 61, 2_300_000, 400_000);

    public async Task InitializeAsync()
    {
        _registry = await DockerRegistryProcess.StartAsync();
        using var pusher = new OciPusher(_registry.Url);
        await pusher.PushAsync(Repo, _image, "v1");
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Daemon_with_registry_listen_serves_the_mirror_and_keeps_blobs_as_dags_in_the_node_store()
    {
        var repo = RepoInitializer.Init(_dir.Sub("repo"), new InitOptions
        {
            Configure = c =>
            {
                c.Addresses.Api = "127.0.0.1:0";
                c.Addresses.Gateway = "";
                c.Addresses.Swarm = [];
                c.Registry.Listen = "127.0.0.1:0";
                c.Registry.Upstream = _registry.Url.ToString();
            },
        });
        var config = ConfigLoader.Load(repo.FindConfigFile()!);
        await using var daemon = await ShoalDaemon.StartAsync(repo, config, CancellationToken.None);
        Assert.NotNull(daemon.Info.Registry);
        Assert.Equal(daemon.Info.Registry, daemon.Node.Endpoints!["Registry"]);

        using var client = new HttpClient { BaseAddress = new Uri(daemon.Info.Registry!), Timeout = TimeSpan.FromSeconds(20) };
        await ImagePull.PullAndVerifyAsync(client, Repo, _image, "v1");
        var mirror = NodeMirrorHost.MirrorOf(daemon.Node)!;
        await mirror.Downloads.IdleAsync().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(_image.Blobs.Count(), mirror.Metrics.BlobsFromUpstream);

        // The node's Prometheus endpoint carries the mirror's counters.
        using var api = new HttpClient { BaseAddress = new Uri(daemon.Info.Api) };
        var scrape = await api.GetStringAsync("/metrics");
        Assert.Contains($"shoal_registry_blobs_total{{source=\"upstream\"}} {_image.Blobs.Count()}", scrape);

        // Each blob is a UnixFS DAG in the node's own block store, indexed by digest.
        var index = new BlobIndex(Path.Combine(repo.Path, NodeMirrorHost.DirectoryName, "index"));
        foreach (var blob in _image.Blobs)
        {
            Assert.True(index.TryGet(OciDigest.Parse(blob.Digest), out var root, out var length), blob.Digest);
            Assert.Equal(blob.Content.Length, length);
            Assert.True(await daemon.Node.LocalBlocks.HasAsync(root));
        }
    }

    [Fact]
    public async Task Two_daemons_a_pull_through_the_second_comes_from_the_first_over_libp2p_and_bitswap()
    {
        ShoalConfig Configure(string name)
        {
            var repo = RepoInitializer.Init(_dir.Sub(name), new InitOptions
            {
                Configure = c =>
                {
                    c.Addresses.Api = "127.0.0.1:0";
                    c.Addresses.Gateway = "";
                    c.Addresses.Swarm = ["/ip4/127.0.0.1/tcp/0"];
                    c.Bootstrap = [];
                    c.Dht.Mode = "off";
                    c.Registry.Listen = "127.0.0.1:0";
                    c.Registry.Upstream = _registry.Url.ToString();
                },
            });
            return ConfigLoader.Load(repo.FindConfigFile()!);
        }
        var configA = Configure("node-a");
        var configB = Configure("node-b");
        await using var a = await ShoalDaemon.StartAsync(new ShoalRepo(_dir.Sub("node-a")), configA, CancellationToken.None);
        await using var b = await ShoalDaemon.StartAsync(new ShoalRepo(_dir.Sub("node-b")), configB, CancellationToken.None);
        using (var clientA = new HttpClient { BaseAddress = new Uri(a.Info.Registry!), Timeout = TimeSpan.FromSeconds(20) })
            await ImagePull.PullAndVerifyAsync(clientA, Repo, _image, "v1");
        await NodeMirrorHost.MirrorOf(a.Node)!.Downloads.IdleAsync().WaitAsync(TimeSpan.FromSeconds(15));
        await _registry.DisposeAsync(); // from here on, only A has the image

        await b.Node.SwarmConnectAsync($"{a.Node.ListenAddresses[0]}/p2p/{a.Node.PeerId}");
        using var clientB = new HttpClient { BaseAddress = new Uri(b.Info.Registry!), Timeout = TimeSpan.FromSeconds(20) };
        await ImagePull.PullAndVerifyAsync(clientB, Repo, _image, tag: null);
        var mirrorB = NodeMirrorHost.MirrorOf(b.Node)!;
        Assert.Equal(_image.Blobs.Count(), mirrorB.Metrics.BlobsFromPeers);
        Assert.Equal(0, mirrorB.Metrics.BlobsFromUpstream);
        Assert.Equal(2, mirrorB.Metrics.ManifestsFromPeers);
    }

    [Fact]
    public async Task A_second_node_finds_the_blob_root_over_libp2p_and_pulls_from_the_first_with_the_upstream_gone()
    {
        var table = new StaticContentRouting();
        await using var hostA = await StartHostAsync();
        await using var hostB = await StartHostAsync();
        var storeA = new MemoryBlockStore();
        var storeB = new MemoryBlockStore();
        var routingA = new P2pBlobRouting(hostA, table.WithLocalPeer(new PeerInfo(hostA.LocalPeer, hostA.ListenAddresses, [], null)));
        var routingB = new P2pBlobRouting(hostB, table.WithLocalPeer(new PeerInfo(hostB.LocalPeer, hostB.ListenAddresses, [], null)));
        // Blocks move over real Bitswap on the two hosts: B's read of a blob is one session seeded with A.
        await using var netA = new Libp2pBitswapNetwork(hostA);
        await using var netB = new Libp2pBitswapNetwork(hostB);
        await using var bitswapA = new Bitswap.Bitswap(netA, storeA);
        await using var bitswapB = new Bitswap.Bitswap(netB, storeB);
        bitswapA.Start();
        bitswapB.Start();
        var swarmA = new DagBlobSwarm(storeA, routingA, NoFetch, _dir.Sub("a-index"));
        var swarmB = new DagBlobSwarm(storeB, routingB,
            new NodeBlockFetcher(async (peers, ct) => await bitswapB.StartSessionAsync(peers, ct), TimeSpan.FromSeconds(20)), _dir.Sub("b-index"));
        BlobRootProtocol.Register(hostA, swarmA);
        BlobRootProtocol.Register(hostB, swarmB);

        await using (var mirrorA = await Registry.RegistryMirrorHost.StartAsync(new RegistryMirrorOptions
        {
            Listen = "127.0.0.1:0", DefaultUpstream = _registry.Url, DataDirectory = _dir.Sub("a-mirror"),
        }, swarmA))
        {
            await ImagePull.PullAndVerifyAsync(mirrorA, Repo, _image, "v1");
        }
        // A announced the blob key and the DAG root through content routing.
        var layer = _image.Layers[0];
        Assert.Contains(table.GetProviders(BlobKey.For(OciDigest.Parse(layer.Digest))), p => p.Id == hostA.LocalPeer);
        await _registry.DisposeAsync();

        await using var mirrorB = await Registry.RegistryMirrorHost.StartAsync(new RegistryMirrorOptions
        {
            Listen = "127.0.0.1:0", DefaultUpstream = _registry.Url, DataDirectory = _dir.Sub("b-mirror"),
        }, swarmB);
        // Re-serve the blobs from A's store: its mirror is gone, but the node (host + store) still answers.
        await ImagePull.PullAndVerifyAsync(mirrorB, Repo, _image, tag: null);
        Assert.Equal(_image.Blobs.Count(), mirrorB.Metrics.BlobsFromPeers);
        Assert.True(bitswapA.Stats.BlocksSent >= 3, $"A sent {bitswapA.Stats.BlocksSent} blocks");
        Assert.Contains(hostA.LocalPeer, hostB.ConnectedPeers);
    }

    [Fact]
    public async Task Blob_root_query_for_an_unknown_digest_is_answered_with_nothing()
    {
        await using var hostA = await StartHostAsync();
        await using var hostB = await StartHostAsync();
        var swarmA = new DagBlobSwarm(new MemoryBlockStore(), new P2pBlobRouting(hostA, new StaticContentRouting()),
            NoFetch, _dir.Sub("x-index"));
        BlobRootProtocol.Register(hostA, swarmA);
        hostB.AddAddresses(hostA.LocalPeer, hostA.ListenAddresses);
        var answer = await BlobRootProtocol.AskAsync(hostB, hostA.LocalPeer, OciDigest.Compute("nothing"u8), CancellationToken.None);
        Assert.Null(answer);
        Assert.Contains(hostA.LocalPeer, hostB.ConnectedPeers); // it did ask over a real connection
    }

    /// <summary>A fetcher for nodes that only serve: an offline node's session fails every block at once.</summary>
    private static readonly NodeBlockFetcher NoFetch = new((_, _) => Task.FromResult<Shoal.Bitswap.BitswapSession?>(null), TimeSpan.FromSeconds(1));

    private static async Task<P2pHost> StartHostAsync()
    {
        var host = new P2pHost(new HostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        await host.StartAsync();
        return host;
    }
}
