using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;
using Shoal.Registry;

namespace Shoal.Node;

/// <summary>The registry's block fetcher over the node's Bitswap: one Bitswap session per blob read, seeded with
/// the blob's providers, so the reader's window of wants is spread over all of them at once. Blocks it returns
/// were verified against their CIDs by Bitswap.</summary>
public sealed class NodeBlockFetcher(
    Func<IReadOnlyList<PeerId>, CancellationToken, Task<BitswapSession?>> startSession,
    TimeSpan blockTimeout) : IBlockFetcher
{
    /// <summary>The fetcher over a started node (offline: every fetch fails at once); a block that no peer sends
    /// within Bitswap.FetchTimeoutSeconds fails the read.</summary>
    public NodeBlockFetcher(ShoalNode node)
        : this(node.StartFetchSessionAsync, TimeSpan.FromSeconds(node.Config.Bitswap.FetchTimeoutSeconds))
    {
    }

    public async ValueTask<IBlockFetchSession> StartSessionAsync(IReadOnlyList<string> providers, CancellationToken ct)
    {
        var peers = new List<PeerId>(providers.Count);
        foreach (var p in providers)
            if (PeerId.TryParse(p, out var id) && id is not null) peers.Add(id);
        var session = await startSession(peers, ct).ConfigureAwait(false);
        return new Session(session, blockTimeout);
    }

    private sealed class Session(BitswapSession? session, TimeSpan blockTimeout) : IBlockFetchSession
    {
        public async ValueTask<Block> GetBlockAsync(Cid cid, CancellationToken ct)
        {
            if (session is null) throw new IOException($"block {cid}: the node is offline");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(blockTimeout);
            try
            {
                return await session.GetBlockAsync(cid, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new IOException($"no peer sent block {cid} within {blockTimeout.TotalSeconds:0} s");
            }
        }

        public ValueTask DisposeAsync() => session?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
