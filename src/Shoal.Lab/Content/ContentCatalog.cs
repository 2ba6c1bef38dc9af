using Shoal.Lab.Definitions;

namespace Shoal.Lab.Content;

/// <summary>
/// The blocks of every object of a scenario. The synthetic layout mirrors a UnixFS balanced DAG (leaves of the
/// chunk size, inner nodes of up to <see cref="LinksPerNode"/> links) with sizes only; a catalog built by an
/// <see cref="ICatalogBuilder"/> carries real CIDs and bytes instead.
/// </summary>
public sealed class ContentCatalog
{
    /// <summary>Kubo's balanced layout: 174 links per inner node (fits 256 KiB blocks).</summary>
    public const int LinksPerNode = 174;

    /// <summary>Approximate encoded size of one dag-pb link (34-byte CIDv0 hash, size, framing) in the synthetic layout.</summary>
    private const int LinkBytes = 48;

    /// <summary>UnixFS Data field of an inner node (type, filesize, blocksizes) per link, approximated.</summary>
    private const int BlockSizeFieldBytes = 4;

    private readonly List<ContentBlock> _blocks = [];
    private readonly List<ContentPart> _parts = [];
    private readonly Dictionary<string, IReadOnlyList<ContentPart>> _byObject = new();

    public IReadOnlyList<ContentBlock> Blocks => _blocks;
    public IReadOnlyList<ContentPart> Parts => _parts;
    public bool HasData { get; private set; }
    public IReadOnlyList<ContentPart> PartsOf(string objectName) => _byObject[objectName];
    public ContentBlock this[int id] => _blocks[id];

    /// <summary>The part a block belongs to (each block belongs to exactly one part).</summary>
    public ContentPart PartOf(int blockId) => _parts[_partOfBlock[blockId]];
    private readonly List<int> _partOfBlock = [];

    /// <summary>Builds a size-only catalog for the scenario's objects.</summary>
    public static ContentCatalog Synthetic(IEnumerable<ObjectDefinition> objects)
    {
        var c = new ContentCatalog();
        foreach (var o in objects)
        {
            var parts = new List<ContentPart>();
            for (var i = 0; i < o.PartSizes.Count; i++)
                parts.Add(c.AddSyntheticPart(o.Name, PartName(o, i), o.PartSizes[i], o.ChunkSize, o.Profile == "helia" ? 1024 : LinksPerNode));
            c._byObject[o.Name] = parts;
        }
        return c;
    }

    /// <summary>Adds a part whose blocks were produced elsewhere (a real importer), root first.</summary>
    public ContentPart AddPart(string objectName, string name, long size, IReadOnlyList<(Shoal.Core.Block Block, int[] ChildIndexes)> blocks)
    {
        HasData = true;
        var baseId = _blocks.Count;
        var ids = new int[blocks.Count];
        for (var i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            _blocks.Add(new ContentBlock(baseId + i, b.Block.Data.Length, b.ChildIndexes.Select(x => baseId + x).ToArray(), b.Block));
            ids[i] = baseId + i;
        }
        var part = new ContentPart(_parts.Count, objectName, name, size, baseId, ids);
        foreach (var _ in ids) _partOfBlock.Add(part.Index);
        _parts.Add(part);
        return part;
    }

    public void SetObjectParts(string objectName, IReadOnlyList<ContentPart> parts) => _byObject[objectName] = parts;

    /// <summary>"image/layer2" for image layers, the object's name for a single file.</summary>
    public static string PartName(ObjectDefinition o, int index) => o.PartSizes.Count == 1 && o.Kind == ObjectKind.File ? o.Name : $"{o.Name}/layer{index}";

    private ContentPart AddSyntheticPart(string objectName, string name, long size, int chunk, int linksPerNode)
    {
        // Build bottom-up like a balanced UnixFS importer, then renumber root-first breadth-first.
        var leaves = (int)Math.Max(1, (size + chunk - 1) / chunk);
        var levels = new List<List<(int Size, List<int> Children)>>();
        var level = new List<(int Size, List<int> Children)>(leaves);
        for (var i = 0; i < leaves; i++)
        {
            var s = (int)Math.Min(chunk, size - (long)i * chunk);
            level.Add((Math.Max(s, 1), []));
        }
        levels.Add(level);
        while (level.Count > 1)
        {
            var next = new List<(int, List<int>)>();
            for (var i = 0; i < level.Count; i += linksPerNode)
            {
                var children = Enumerable.Range(i, Math.Min(linksPerNode, level.Count - i)).ToList();
                next.Add((children.Count * (LinkBytes + BlockSizeFieldBytes) + 16, children));
            }
            levels.Add(next);
            level = next;
        }
        // Breadth-first from the root.
        var order = new List<(int Level, int Index)>();
        var queue = new Queue<(int, int)>();
        queue.Enqueue((levels.Count - 1, 0));
        while (queue.Count > 0)
        {
            var (lv, ix) = queue.Dequeue();
            order.Add((lv, ix));
            if (lv > 0) foreach (var ch in levels[lv][ix].Children) queue.Enqueue((lv - 1, ch));
        }
        var baseId = _blocks.Count;
        var idOf = new Dictionary<(int, int), int>();
        for (var i = 0; i < order.Count; i++) idOf[order[i]] = baseId + i;
        var ids = new int[order.Count];
        for (var i = 0; i < order.Count; i++)
        {
            var (lv, ix) = order[i];
            var node = levels[lv][ix];
            var children = lv == 0 ? [] : node.Children.Select(ch => idOf[(lv - 1, ch)]).ToArray();
            _blocks.Add(new ContentBlock(baseId + i, node.Size, children));
            ids[i] = baseId + i;
        }
        var part = new ContentPart(_parts.Count, objectName, name, size, baseId, ids);
        foreach (var _ in ids) _partOfBlock.Add(part.Index);
        _parts.Add(part);
        return part;
    }
}

/// <summary>Builds a catalog with real blocks (CIDs and bytes) for a scenario's objects; the Bitswap strategies need one.</summary>
public interface ICatalogBuilder
{
    ContentCatalog Build(IReadOnlyList<ObjectDefinition> objects, int randomSeed);
}
