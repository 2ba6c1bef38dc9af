using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// A Shoal node: the repository's block store and pins, and — once <see cref="StartAsync"/> has run — the
/// libp2p host, Bitswap and the DHT. The CLI opens one offline for commands run without a daemon; the
/// daemon opens one, starts it, and serves it over the HTTP API and gateway.
/// </summary>
public sealed partial class ShoalNode : INodeApi
{
    public const string AgentVersion = "shoal/0.1.0";
    public const string RepoVersion = "1";

    private readonly GcGuard _gcGuard = new();

    private ShoalNode(ShoalRepo repo, ShoalConfig config, IBlockStore localStore, PinStore pins, NodeMetrics metrics, BlockArrivals arrivals)
    {
        Arrivals = arrivals;
        Repo = repo;
        Config = config;
        Metrics = metrics;
        LocalBlocks = localStore;
        Blocks = new NetworkBlockStore(localStore, this);
        Pins = pins;
    }

    public ShoalRepo Repo { get; }
    public ShoalConfig Config { get; }
    public NodeMetrics Metrics { get; }
    /// <summary>The blocks on this node only.</summary>
    public IBlockStore LocalBlocks { get; }
    /// <summary>Local blocks, with missing ones fetched from peers when the node is online.</summary>
    public IBlockStore Blocks { get; }
    public PinStore Pins { get; }
    /// <summary>Readers waiting for blocks a background Bitswap session is bringing in.</summary>
    public BlockArrivals Arrivals { get; }
    public bool IsOnline => _network is not null;

    /// <summary>Opens the repository's stores; no network until <see cref="StartAsync"/>.</summary>
    public static ShoalNode Open(ShoalRepo repo, ShoalConfig config)
    {
        var metrics = new NodeMetrics();
        IBlockStore store = config.Datastore.Kind switch
        {
            "memory" => new MemoryBlockStore(),
            _ => OpenFlatfs(repo.Resolve(config.Datastore.Path)),
        };
        var pins = new PinStore(config.Datastore.Kind == "memory" ? null : repo.PinsPath);
        if (config.Datastore.StorageMax > 0) store = new QuotaBlockStore(store, config.Datastore.StorageMax);
        var arrivals = new BlockArrivals();
        return new ShoalNode(repo, config, new InstrumentedBlockStore(store, metrics, arrivals.Stored), pins, metrics, arrivals);
    }

    private static IBlockStore OpenFlatfs(string path)
    {
        Directory.CreateDirectory(path);
        return new FileBlockStore(path);
    }

    public async ValueTask DisposeAsync()
    {
        if (_network is { } network)
        {
            _network = null;
            await network.DisposeAsync().ConfigureAwait(false);
        }
        var store = ((InstrumentedBlockStore)LocalBlocks).Inner;
        if (store is QuotaBlockStore quota) store = quota.Inner;
        if (store is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
    }
}
