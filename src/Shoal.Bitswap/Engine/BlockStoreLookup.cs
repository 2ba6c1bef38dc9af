using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>Adapts an <see cref="IBlockStore"/> to the core's synchronous lookup. Memory stores complete
/// synchronously; a disk store's size and read calls are short file operations, waited for in place (the
/// server core decides synchronously by design, like boxo's engine does after its blockstore workers).
/// A block the store cannot read (a damaged or vanished file: I/O error, or data that no longer matches its hash)
/// counts as absent: it is not served, and the loop that owns the core goes on serving everything else.</summary>
public sealed class BlockStoreLookup(IBlockStore store) : IBlockLookup
{
    private long _unreadable;

    /// <summary>Lookups that failed and were answered as "absent".</summary>
    public long UnreadableLookups => Interlocked.Read(ref _unreadable);

    public int GetSize(Cid cid)
    {
        try
        {
            var pending = store.GetSizeAsync(cid);
            int? size = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
            return size ?? -1;
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            Interlocked.Increment(ref _unreadable);
            return -1;
        }
    }

    public Block? Get(Cid cid)
    {
        try
        {
            var pending = store.GetAsync(cid);
            return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            Interlocked.Increment(ref _unreadable);
            return null;
        }
    }

    private static bool IsUnreadable(Exception e) => e is IOException or InvalidDataException or UnauthorizedAccessException;
}
