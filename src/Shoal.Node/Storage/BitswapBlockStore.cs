using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// The store as Bitswap sees it: a block refused because the repository is full (Datastore.StorageMax) is dropped
/// instead of failing Bitswap's loop, which serves every other transfer; the reader that wanted the block then
/// fails to store it itself and reports the full repository.
/// </summary>
internal sealed class BitswapBlockStore(IBlockStore inner) : IBlockStore
{
    public bool KeepsBlockMemory => inner.KeepsBlockMemory;

    public async ValueTask PutAsync(Block block, CancellationToken ct = default)
    {
        try
        {
            await inner.PutAsync(block, ct).ConfigureAwait(false);
        }
        catch (StorageFullException)
        {
        }
    }

    public ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default) => inner.HasAsync(cid, ct);
    public ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default) => inner.GetAsync(cid, ct);
    public ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default) => inner.GetSizeAsync(cid, ct);
    public ValueTask DeleteAsync(Cid cid, CancellationToken ct = default) => inner.DeleteAsync(cid, ct);

    public async IAsyncEnumerable<Cid> ListAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var cid in inner.ListAsync(ct).ConfigureAwait(false)) yield return cid;
    }
}
