using System.Collections;

namespace Shoal.Lab.Content;

/// <summary>Which catalog blocks one simulated node holds.</summary>
public sealed class NodeStore(int blockCount)
{
    private readonly BitArray _has = new(blockCount);

    public int Count { get; private set; }
    public bool Has(int blockId) => _has[blockId];

    /// <summary>Adds a block; false when it was already there (a duplicate).</summary>
    public bool Add(int blockId)
    {
        if (_has[blockId]) return false;
        _has[blockId] = true;
        Count++;
        return true;
    }

    public bool HasAll(ContentPart part)
    {
        foreach (var id in part.BlockIds) if (!_has[id]) return false;
        return true;
    }

    public void AddAll(ContentPart part)
    {
        foreach (var id in part.BlockIds) Add(id);
    }
}
