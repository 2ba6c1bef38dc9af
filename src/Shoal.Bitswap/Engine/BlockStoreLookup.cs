using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>Adapts an <see cref="IBlockStore"/> to the core's synchronous lookup. Memory stores complete
/// synchronously; a disk store's size and read calls are short file operations, waited for in place (the
/// server core decides synchronously by design, like boxo's engine does after its blockstore workers).</summary>
public sealed class BlockStoreLookup(IBlockStore store) : IBlockLookup
{
    public int GetSize(Cid cid)
    {
        var pending = store.GetSizeAsync(cid);
        int? size = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        return size ?? -1;
    }

    public Block? Get(Cid cid)
    {
        var pending = store.GetAsync(cid);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }
}
