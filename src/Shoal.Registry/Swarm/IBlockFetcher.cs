using Shoal.Core;

namespace Shoal.Registry;

/// <summary>Gets blocks from peers: a Bitswap session in the node, direct store reads in process. The
/// registry's seam for block transfer; it never sees libp2p.</summary>
public interface IBlockFetcher
{
    /// <summary>One session for one blob's DAG, seeded with the blob's <paramref name="providers"/> (peer ids as
    /// strings) so its blocks are asked of all of them at once (the session may find others).</summary>
    ValueTask<IBlockFetchSession> StartSessionAsync(IReadOnlyList<string> providers, CancellationToken ct);
}

/// <summary>One blob's worth of block requests. Requests may be issued concurrently; the session spreads
/// them over its peers. Every block returned has been verified against its CID.</summary>
public interface IBlockFetchSession : IAsyncDisposable
{
    ValueTask<Block> GetBlockAsync(Cid cid, CancellationToken ct);
}
