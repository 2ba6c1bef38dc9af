using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Node;

// Network operations: they need the libp2p host, so only a started node (the daemon) offers them.
public sealed partial class ShoalNode
{
    private NodeNetwork? _network;

    /// <summary>Starts libp2p, Bitswap and the DHT as the config says.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_network is not null) return;
        _network = await NodeNetwork.StartAsync(this, ct).ConfigureAwait(false);
    }

    private NodeNetwork Network => _network
        ?? throw new InvalidOperationException("this needs a running daemon (start `shoal daemon`, or drop --offline)");

    public IReadOnlyList<string> ListenAddresses => _network?.ListenAddresses ?? [];

    public string PeerId => _network?.PeerId ?? Config.Identity.PeerId ?? "";

    /// <summary>HTTP endpoints (Api, Gateway, Registry) set by the daemon once they are bound; reported by `id`.</summary>
    public IReadOnlyDictionary<string, string>? Endpoints { get; set; }

    private IdResult BuildId() => (_network?.BuildId() ?? new IdResult(PeerId, "", [], AgentVersion, [])) with { Endpoints = Endpoints };

    /// <summary>Fetches a block from peers (Bitswap, with DHT provider search); null when offline or not found in time.</summary>
    internal ValueTask<Block?> FetchFromNetworkAsync(Cid cid, CancellationToken ct) =>
        _network is { } n ? n.FetchAsync(cid, ct) : ValueTask.FromResult<Block?>(null);

    /// <summary>A Bitswap session seeded with <paramref name="providers"/> (the registry mirror's blob reads); null when offline.</summary>
    internal async Task<Shoal.Bitswap.BitswapSession?> StartFetchSessionAsync(IReadOnlyList<Shoal.Net.PeerId> providers, CancellationToken ct) =>
        _network is { } n ? await n.StartSessionAsync(providers, ct).ConfigureAwait(false) : null;

    private async Task AnnounceAsync(Cid root, CancellationToken ct)
    {
        if (_network is not { } network) return;
        if (await LocalBlocks.GetAsync(root, ct).ConfigureAwait(false) is { } block) await network.NotifyAddedAsync(block, ct).ConfigureAwait(false);
        network.ProvideInBackground(root);
    }

    /// <summary>When online, brings the whole DAG under <paramref name="root"/> into the local store in one Bitswap session.</summary>
    public async Task EnsureLocalDagAsync(Cid root, CancellationToken ct)
    {
        if (_network is not { } network) return;
        await network.FetchDagAsync(root, ct).ConfigureAwait(false);
    }

    /// <summary>The libp2p host once the node is started (the registry mirror registers its blob-root protocol on it).</summary>
    internal Shoal.Net.IP2pHost? P2pHost => _network?.Host;

    public Task<IReadOnlyList<string>> SwarmConnectAsync(string multiaddr, CancellationToken ct = default) => Network.ConnectAsync(multiaddr, ct);
    public Task<IReadOnlyList<SwarmPeer>> SwarmPeersAsync(CancellationToken ct = default) => Task.FromResult(Network.Peers());
    public Task<IReadOnlyList<string>> SwarmAddrsAsync(CancellationToken ct = default) => Task.FromResult(Network.ListenAddresses);
    public Task<IdResult> SwarmIdentifyAsync(string peerId, CancellationToken ct = default) => Network.IdentifyAsync(peerId, ct);

    public IAsyncEnumerable<PingResult> PingAsync(string multiaddr, int count, CancellationToken ct = default) => Network.PingAsync(multiaddr, count, ct);

    public IAsyncEnumerable<ProviderResult> FindProvidersAsync(Cid cid, int maxProviders, CancellationToken ct = default) =>
        Network.FindProvidersAsync(cid, maxProviders, ct);

    public Task ProvideAsync(Cid cid, CancellationToken ct = default) => Network.ProvideAsync(cid, ct);

    public Task<BitswapStatResult> BitswapStatAsync(CancellationToken ct = default) => Network.BitswapStatAsync(ct);
    public Task<BandwidthStatResult> BandwidthStatAsync(CancellationToken ct = default) => BandwidthStatAsync(null, ct);
    public Task<BandwidthStatResult> BandwidthStatAsync(string? protocol, CancellationToken ct = default) => Task.FromResult(Network.BandwidthStat(protocol));
}
