using Shoal.Core;

namespace Shoal.Registry;

/// <summary>Gets blocks from peers: a Bitswap session in the node, direct store reads in process. The
/// registry's seam for block transfer; it never sees libp2p.</summary>
public interface IBlockFetcher
{
    /// <summary>A session that asks <paramref name="providers"/> first (and may find others).</summary>
    IBlockFetchSession StartSession(IReadOnlyList<string> providers);
}

/// <summary>One blob's worth of block requests. Requests may be issued concurrently; the session spreads
/// them over its peers. Every block returned has been verified against its CID.</summary>
public interface IBlockFetchSession : IAsyncDisposable
{
    ValueTask<Block> GetBlockAsync(Cid cid, CancellationToken ct);
}
