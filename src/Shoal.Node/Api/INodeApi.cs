using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// The operations of a node, whether it runs in this process (<see cref="ShoalNode"/>, offline or as the
/// daemon behind the HTTP API) or in a daemon reached over HTTP (<see cref="ShoalApiClient"/>). The CLI
/// codes against this, so each command has one implementation for both modes; the Lab's local driver
/// can use <see cref="ShoalApiClient"/> to drive daemons.
/// </summary>
public interface INodeApi : IAsyncDisposable
{
    /// <summary>True when network operations (swarm, routing, Bitswap) are available.</summary>
    bool IsOnline { get; }

    Task<IdResult> IdAsync(CancellationToken ct = default);
    Task<AddResult> AddAsync(Stream content, string name, AddOptions options, IProgress<long>? progress = null, CancellationToken ct = default);
    /// <summary>A UnixFS file's bytes (or a raw block's), from <paramref name="offset"/>, at most <paramref name="length"/> bytes.</summary>
    Task<ContentStream> CatAsync(Cid cid, long offset = 0, long? length = null, CancellationToken ct = default);
    /// <summary>The same for a content path (<c>/ipfs/{cid}/dir/file</c>): resolved through UnixFS directories first.</summary>
    Task<ContentStream> CatAsync(string contentPath, long offset = 0, long? length = null, CancellationToken ct = default);

    Task<IReadOnlyList<string>> PinAddAsync(Cid cid, CancellationToken ct = default);
    Task<IReadOnlyList<string>> PinRmAsync(Cid cid, CancellationToken ct = default);
    Task<IReadOnlyList<PinEntry>> PinLsAsync(CancellationToken ct = default);

    Task<byte[]> BlockGetAsync(Cid cid, CancellationToken ct = default);
    Task<BlockStatResult> BlockPutAsync(byte[] data, ulong codec, int cidVersion, CancellationToken ct = default);
    Task<BlockStatResult> BlockStatAsync(Cid cid, CancellationToken ct = default);

    /// <summary>Writes the DAG under <paramref name="cid"/> as a CARv1 to <paramref name="output"/>.</summary>
    Task DagExportAsync(Cid cid, Stream output, CancellationToken ct = default);
    Task<DagImportResult> DagImportAsync(Stream car, bool pinRoots, CancellationToken ct = default);

    Task<IReadOnlyList<string>> SwarmConnectAsync(string multiaddr, CancellationToken ct = default);
    Task<IReadOnlyList<SwarmPeer>> SwarmPeersAsync(CancellationToken ct = default);
    Task<IReadOnlyList<string>> SwarmAddrsAsync(CancellationToken ct = default);
    Task<IdResult> SwarmIdentifyAsync(string peerId, CancellationToken ct = default);
    IAsyncEnumerable<PingResult> PingAsync(string multiaddr, int count, CancellationToken ct = default);

    IAsyncEnumerable<ProviderResult> FindProvidersAsync(Cid cid, int maxProviders, CancellationToken ct = default);
    Task ProvideAsync(Cid cid, CancellationToken ct = default);

    Task<BitswapStatResult> BitswapStatAsync(CancellationToken ct = default);
    /// <summary>libp2p bytes in/out, for all protocols or only <paramref name="protocol"/>.</summary>
    Task<BandwidthStatResult> BandwidthStatAsync(string? protocol, CancellationToken ct = default);
    Task<BandwidthStatResult> BandwidthStatAsync(CancellationToken ct = default) => BandwidthStatAsync(null, ct);

    Task<GcResult> GcAsync(CancellationToken ct = default);
    Task<RepoStatResult> RepoStatAsync(CancellationToken ct = default);
}
