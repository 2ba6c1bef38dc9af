using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Shoal.Core;

/// <summary>In-memory block store for tests, the Lab and caches.</summary>
public sealed class MemoryBlockStore : IBlockStore
{
    private readonly ConcurrentDictionary<Multihash, Block> _blocks = new();

    public int Count => _blocks.Count;

    /// <summary>Sum of stored block sizes in bytes.</summary>
    public long TotalBytes
    {
        get
        {
            long total = 0;
            foreach (var kv in _blocks) total += kv.Value.Data.Length;
            return total;
        }
    }

    public ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default)
        => ValueTask.FromResult(_blocks.ContainsKey(cid.Hash));

    public ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default)
    {
        if (!_blocks.TryGetValue(cid.Hash, out var block)) return ValueTask.FromResult<Block?>(null);
        return ValueTask.FromResult<Block?>(block.Cid.Equals(cid) ? block : Block.CreateTrusted(cid, block.Data));
    }

    public ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default)
        => ValueTask.FromResult(_blocks.TryGetValue(cid.Hash, out var block) ? block.Data.Length : (int?)null);

    public ValueTask PutAsync(Block block, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(block);
        _blocks.TryAdd(block.Cid.Hash, block);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteAsync(Cid cid, CancellationToken ct = default)
    {
        _blocks.TryRemove(cid.Hash, out _);
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<Cid> ListAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var kv in _blocks)
        {
            ct.ThrowIfCancellationRequested();
            yield return kv.Value.Cid;
        }
    }
}
