using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>An in-memory <see cref="IBlockLookup"/> for the Lab and tests (keyed by multihash, like Kubo).</summary>
public sealed class MemoryBlockLookup : IBlockLookup
{
    private readonly Dictionary<Multihash, Block> _blocks = [];

    public int Count => _blocks.Count;

    public long TotalBytes { get; private set; }

    public void Put(Block block)
    {
        if (_blocks.TryAdd(block.Cid.Hash, block)) TotalBytes += block.Data.Length;
    }

    /// <summary>Removes the block (garbage collection); tell the engine with <see cref="BitswapEngine.BlockRemoved"/>.</summary>
    public bool Remove(Cid cid)
    {
        if (!_blocks.Remove(cid.Hash, out var b)) return false;
        TotalBytes -= b.Data.Length;
        return true;
    }

    public bool Has(Cid cid) => _blocks.ContainsKey(cid.Hash);

    public int GetSize(Cid cid) => _blocks.TryGetValue(cid.Hash, out var b) ? b.Data.Length : -1;

    public Block? Get(Cid cid)
    {
        if (!_blocks.TryGetValue(cid.Hash, out var b)) return null;
        return b.Cid.Equals(cid) ? b : Block.Create(cid, b.Data);
    }
}
