using Shoal.Core;
using Shoal.Registry;

namespace Shoal.Node;

/// <summary>The registry's block fetcher over the node's network fetch (Bitswap): blocks it returns were
/// verified against their CIDs by Bitswap. Sessions share the node's want manager until Bitswap sessions
/// with provider hints are exposed; then <see cref="StartSession"/> passes the providers on.</summary>
public sealed class NodeBlockFetcher(Func<Cid, CancellationToken, ValueTask<Block?>> fetch) : IBlockFetcher
{
    public IBlockFetchSession StartSession(IReadOnlyList<string> providers) => new Session(fetch);

    private sealed class Session(Func<Cid, CancellationToken, ValueTask<Block?>> fetch) : IBlockFetchSession
    {
        public async ValueTask<Block> GetBlockAsync(Cid cid, CancellationToken ct) =>
            await fetch(cid, ct).ConfigureAwait(false) ?? throw new IOException($"no peer sent block {cid}");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
