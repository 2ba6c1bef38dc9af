using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// Lets readers wait for a block to be stored (by a Bitswap DAG session running in the background), so a file
/// streams out block by block as the session brings the blocks in, instead of after the whole DAG.
/// </summary>
public sealed class BlockArrivals
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Multihash, Entry> _entries = [];

    /// <summary>Completes when a block with <paramref name="cid"/>'s multihash is stored. Register before re-checking the store.</summary>
    public async Task<Block> WaitAsync(Cid cid, CancellationToken ct)
    {
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(cid.Hash, out entry!)) _entries[cid.Hash] = entry = new Entry();
            entry.Waiters++;
        }
        try
        {
            var block = await entry.Arrived.Task.WaitAsync(ct).ConfigureAwait(false);
            return block.Cid.Equals(cid) ? block : Block.Create(cid, block.Data);
        }
        finally
        {
            lock (_gate)
            {
                if (--entry.Waiters == 0 && _entries.TryGetValue(cid.Hash, out var current) && current == entry) _entries.Remove(cid.Hash);
            }
        }
    }

    /// <summary>Called after every put into the node's store.</summary>
    public void Stored(Block block)
    {
        Entry? entry;
        lock (_gate)
        {
            if (_entries.Count == 0 || !_entries.Remove(block.Cid.Hash, out entry)) return;
        }
        entry.Arrived.TrySetResult(block);
    }

    private sealed class Entry
    {
        public readonly TaskCompletionSource<Block> Arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Waiters;
    }
}
