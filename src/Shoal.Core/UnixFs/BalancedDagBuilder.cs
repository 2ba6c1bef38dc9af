namespace Shoal.Core;

/// <summary>Builds the balanced layout incrementally. Equivalent to the batch definition (group the level's
/// nodes MaxLinks at a time into parents, repeat until one node is left) because a full group becomes a
/// parent whatever comes after it.</summary>
internal sealed class BalancedDagBuilder
{
    private readonly IBlockStore _store;
    private readonly UnixFsImportOptions _options;
    private readonly List<List<Child>> _levels = [];
    private readonly List<long> _pushed = [];

    public BalancedDagBuilder(IBlockStore store, UnixFsImportOptions options)
    {
        _store = store;
        _options = options;
    }

    public long BlockCount { get; private set; }

    /// <summary>A node in the tree as seen from its parent.</summary>
    internal readonly record struct Child(Cid Cid, ulong Tsize, ulong FileSize);

    /// <summary>A raw leaf: the chunk is the block.</summary>
    public async ValueTask AddRawLeafAsync(ReadOnlyMemory<byte> chunk, CancellationToken ct)
    {
        var cid = Cid.Compute(1, MulticodecCode.Raw, chunk.Span, _options.HashCode);
        await PutAsync(cid, chunk, ct).ConfigureAwait(false);
        await PushAsync(0, new Child(cid, (ulong)chunk.Length, (ulong)chunk.Length), ct).ConfigureAwait(false);
    }

    /// <summary>A UnixFS File leaf already encoded by <see cref="DagPbLeaf"/>.</summary>
    public async ValueTask AddDagPbLeafAsync(ReadOnlyMemory<byte> block, int chunkLength, CancellationToken ct)
    {
        var cid = Cid.Compute(_options.CidVersion, MulticodecCode.DagPb, block.Span, _options.HashCode);
        await PutAsync(cid, block, ct).ConfigureAwait(false);
        await PushAsync(0, new Child(cid, (ulong)block.Length, (ulong)chunkLength), ct).ConfigureAwait(false);
    }

    private async ValueTask PushAsync(int level, Child child, CancellationToken ct)
    {
        while (_levels.Count <= level)
        {
            _levels.Add(new List<Child>(_options.MaxLinks));
            _pushed.Add(0);
        }
        var pending = _levels[level];
        pending.Add(child);
        _pushed[level]++;
        if (pending.Count == _options.MaxLinks)
        {
            var parent = await BuildParentAsync(pending, ct).ConfigureAwait(false);
            pending.Clear();
            await PushAsync(level + 1, parent, ct).ConfigureAwait(false);
        }
    }

    public async ValueTask<Child> FinishAsync(CancellationToken ct)
    {
        for (int level = 0; ; level++)
        {
            bool higher = level + 1 < _levels.Count && _pushed[level + 1] > 0;
            if (_pushed[level] == 1 && !higher) return _levels[level][0];
            var pending = _levels[level];
            if (pending.Count > 0)
            {
                var parent = await BuildParentAsync(pending, ct).ConfigureAwait(false);
                pending.Clear();
                await PushAsync(level + 1, parent, ct).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<Child> BuildParentAsync(List<Child> children, CancellationToken ct)
    {
        var links = new List<DagPbLink>(children.Count);
        var sizes = new List<ulong>(children.Count);
        ulong fileSize = 0, tsize = 0;
        foreach (var c in children)
        {
            // Empty leaves (only from an empty file) are not linked, as in Kubo and Helia.
            if (c.FileSize == 0) continue;
            links.Add(new DagPbLink(c.Cid, string.Empty, c.Tsize));
            sizes.Add(c.FileSize);
            fileSize += c.FileSize;
            tsize += c.Tsize;
        }
        var unixfs = new UnixFsData { Type = UnixFsType.File, FileSize = fileSize, BlockSizes = sizes };
        var block = DagPb.Encode(new DagPbNode(links, unixfs.Encode()));
        var cid = Cid.Compute(_options.CidVersion, MulticodecCode.DagPb, block, _options.HashCode);
        await PutAsync(cid, block, ct).ConfigureAwait(false);
        return new Child(cid, (ulong)block.Length + tsize, fileSize);
    }

    private ValueTask PutAsync(Cid cid, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        BlockCount++;
        return _store.PutAsync(Block.CreateTrusted(cid, data), ct);
    }
}
