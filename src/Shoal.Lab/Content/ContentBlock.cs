namespace Shoal.Lab.Content;

/// <summary>
/// One block of a part's DAG. <see cref="Id"/> is dense over the whole catalog so node stores are bit sets.
/// Real CIDs and bytes come from Shoal.Core's importer when the catalog is built with data; block payloads
/// are then shared in memory between simulated nodes (not copied per node).
/// </summary>
public sealed class ContentBlock(int id, int size, int[] children, Shoal.Core.Block? block = null)
{
    public int Id { get; } = id;
    /// <summary>Encoded block size in bytes.</summary>
    public int Size { get; } = size;
    /// <summary>Catalog ids of the blocks this one links to (empty for leaves).</summary>
    public int[] Children { get; } = children;
    public bool IsLeaf => Children.Length == 0;
    /// <summary>The real block (CID and bytes) when the catalog was built by an importer; null in a size-only catalog.</summary>
    public Shoal.Core.Block? Block { get; } = block;
}

/// <summary>One independently addressed file: a generated file, or one layer of an image. Fetching an object fetches all its parts.</summary>
public sealed class ContentPart(int index, string objectName, string name, long size, int rootId, int[] blockIds)
{
    public int Index { get; } = index;
    public string ObjectName { get; } = objectName;
    public string Name { get; } = name;
    /// <summary>File bytes (the sum of leaf data).</summary>
    public long Size { get; } = size;
    public int RootId { get; } = rootId;
    /// <summary>Every block of the DAG, root first, then breadth-first.</summary>
    public int[] BlockIds { get; } = blockIds;
}
