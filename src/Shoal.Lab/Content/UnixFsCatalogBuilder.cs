using Shoal.Core;
using Shoal.Lab.Definitions;

namespace Shoal.Lab.Content;

/// <summary>
/// Builds a catalog of real blocks: each part's bytes come from Shoal.Core's <see cref="SeededContentStream"/>
/// (seeded by scenario seed, object and part, so runs are reproducible), imported with the object's UnixFS
/// profile. Blocks are kept once in memory and shared by every simulated node.
/// </summary>
public sealed class UnixFsCatalogBuilder : ICatalogBuilder
{
    public ContentCatalog Build(IReadOnlyList<ObjectDefinition> objects, int randomSeed)
    {
        // Generating and hashing the parts is independent work: import them on all cores, then assemble in order.
        var jobs = objects.SelectMany(o => Enumerable.Range(0, o.PartSizes.Count).Select(i => (Object: o, Index: i))).ToList();
        var imported = new (Cid Root, MemoryBlockStore Store)[jobs.Count];
        Parallel.For(0, jobs.Count, j =>
        {
            var (o, i) = jobs[j];
            imported[j] = Import($"shoal-lab/{randomSeed}/{ContentCatalog.PartName(o, i)}", o.PartSizes[i], o);
        });
        var catalog = new ContentCatalog();
        var seen = new HashSet<Cid>();
        var next = 0;
        foreach (var o in objects)
        {
            var parts = new List<ContentPart>();
            for (var i = 0; i < o.PartSizes.Count; i++)
            {
                var (root, store) = imported[next++];
                parts.Add(catalog.AddPart(o.Name, ContentCatalog.PartName(o, i), o.PartSizes[i], Blocks(root, store, seen)));
            }
            catalog.SetObjectParts(o.Name, parts);
        }
        return catalog;
    }

    /// <summary>The bytes of a part, as the builder generates them (for verifying what a node reassembles).</summary>
    public static Stream PartContent(int randomSeed, string partName, long size) => new SeededContentStream($"shoal-lab/{randomSeed}/{partName}", size);

    private static (Cid Root, MemoryBlockStore Store) Import(string seed, long size, ObjectDefinition o)
    {
        var store = new MemoryBlockStore();
        var options = UnixFsImportOptions.FromProfile(o.Profile) with { ChunkSize = o.ChunkSize };
        using var content = new SeededContentStream(seed, size);
        var result = UnixFsImporter.ImportAsync(content, store, options).GetAwaiter().GetResult();
        return (result.Root, store);
    }

    /// <summary>The part's blocks root first (depth first, each once), with the indexes of each block's children.</summary>
    private static List<(Block Block, int[] ChildIndexes)> Blocks(Cid root, MemoryBlockStore store, HashSet<Cid> seen)
    {
        var order = new List<Block>();
        var index = new Dictionary<Cid, int>();
        var stack = new Stack<Cid>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var cid = stack.Pop();
            if (index.ContainsKey(cid)) continue;
            var block = store.GetAsync(cid).AsTask().GetAwaiter().GetResult() ?? throw new InvalidDataException($"imported DAG lacks block {cid}");
            if (!seen.Add(cid)) throw new InvalidDataException($"block {cid} occurs in two parts; the Lab needs each block in one part");
            index[cid] = order.Count;
            order.Add(block);
            var links = Links(block);
            for (var i = links.Count - 1; i >= 0; i--) stack.Push(links[i]);
        }
        return order.Select(b => (b, Links(b).Select(c => index[c]).ToArray())).ToList();
    }

    private static List<Cid> Links(Block block)
        => block.Cid.Codec == MulticodecCode.DagPb ? DagPb.Decode(block.Data.Span).Links.Select(l => l.Hash).ToList() : [];
}
