using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// The node's block store as readers (cat, gateway, dag export, pin) see it: local blocks first, and when
/// the node is online a missing block is fetched from peers, verified, and stored locally.
/// </summary>
internal sealed class NetworkBlockStore(IBlockStore local, ShoalNode node) : IBlockStore
{
    public bool KeepsBlockMemory => local.KeepsBlockMemory;

    public async ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default) => await local.HasAsync(cid, ct).ConfigureAwait(false);

    public async ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default)
    {
        var block = await local.GetAsync(cid, ct).ConfigureAwait(false);
        if (block is not null || !node.IsOnline) return block;
        block = await node.FetchFromNetworkAsync(cid, ct).ConfigureAwait(false);
        if (block is null) return null;
        // Verify at the trust boundary even if the fetcher did: a wrong block must never be stored or served.
        if (!block.Cid.Hash.Equals(cid.Hash) || !cid.Hash.Matches(block.Data.Span))
            throw new InvalidDataException($"peer returned bytes that do not hash to {cid}");
        await local.PutAsync(block, ct).ConfigureAwait(false);
        return block.Cid.Equals(cid) ? block : Block.Create(cid, block.Data);
    }

    public async ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default) =>
        await local.GetSizeAsync(cid, ct).ConfigureAwait(false) ?? (await GetAsync(cid, ct).ConfigureAwait(false))?.Data.Length;

    public ValueTask PutAsync(Block block, CancellationToken ct = default) => local.PutAsync(block, ct);

    public ValueTask DeleteAsync(Cid cid, CancellationToken ct = default) => local.DeleteAsync(cid, ct);

    public async IAsyncEnumerable<Cid> ListAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var cid in local.ListAsync(ct).ConfigureAwait(false)) yield return cid;
    }
}
