using Shoal.Bitswap;
using Shoal.Core;

namespace Shoal.Bitswap.Tests;

/// <summary>UnixFS files built with Core's importer, for fetch tests.</summary>
internal static class TestDags
{
    public static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Imports <paramref name="content"/> and returns its root and every block of the DAG.</summary>
    public static (Cid Root, List<Block> Blocks) Import(byte[] content, UnixFsImportOptions? options = null)
    {
        var store = new MemoryBlockStore();
        var result = UnixFsImporter.ImportAsync(content, store, options ?? UnixFsImportOptions.KuboV1).GetAwaiter().GetResult();
        var blocks = new List<Block>();
        var e = store.ListAsync().GetAsyncEnumerator();
        try
        {
            while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                blocks.Add(store.GetAsync(e.Current).AsTask().GetAwaiter().GetResult()!);
            }
        }
        finally
        {
            e.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return (result.Root, blocks);
    }

    public static void Seed(SimNet net, SimNode node, IEnumerable<Block> blocks)
    {
        foreach (var b in blocks) node.Store.Put(b);
    }

    /// <summary>Reads a UnixFS file back out of a node's store (all blocks must be there).</summary>
    public static byte[] ReadFile(MemoryBlockLookup store, Cid root)
    {
        var output = new MemoryStream();
        Append(store, root, output);
        return output.ToArray();
    }

    private static void Append(MemoryBlockLookup store, Cid cid, MemoryStream output)
    {
        var block = store.Get(cid) ?? throw new InvalidOperationException($"missing block {cid}");
        if (cid.Codec == MulticodecCode.Raw)
        {
            output.Write(block.Data.Span);
            return;
        }
        var node = DagPb.Decode(block.Data.Span);
        if (node.Links.Count == 0)
        {
            var data = UnixFsData.Decode(node.Data!.Value.Span);
            if (data.Data is { } d) output.Write(d.Span);
            return;
        }
        foreach (var link in node.Links) Append(store, link.Hash, output);
    }
}
