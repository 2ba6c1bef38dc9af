using Shoal.Core;

namespace Shoal.Node.Tests;

/// <summary>Builds UnixFS DAGs in memory for tests and packs chosen blocks into a CAR for `dag import`.</summary>
public static class TestDags
{
    public static async Task<Cid> AddFileAsync(MemoryBlockStore store, byte[] bytes, UnixFsImportOptions? options = null) =>
        (await UnixFsImporter.ImportAsync(bytes, store, options ?? UnixFsImportOptions.Kubo)).Root;

    public static async Task<Cid> DirectoryAsync(IBlockStore store, params (string Name, Cid Cid)[] entries) =>
        await PutNodeAsync(store, new UnixFsData { Type = UnixFsType.Directory }, entries);

    private static async Task<Cid> PutNodeAsync(IBlockStore store, UnixFsData data, (string Name, Cid Cid)[] entries)
    {
        var links = entries.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => new DagPbLink(e.Cid, e.Name, 0)).ToList();
        var block = Block.Compute(DagPb.Encode(new DagPbNode(links, data.Encode())), MulticodecCode.DagPb);
        await store.PutAsync(block);
        return block.Cid;
    }

    public static async Task<byte[]> CarAsync(Cid root, IEnumerable<Block> blocks)
    {
        var output = new MemoryStream();
        await using (var writer = await CarWriter.CreateAsync(output, [root]))
            foreach (var b in blocks) await writer.WriteAsync(b);
        return output.ToArray();
    }

    public static async Task<List<Block>> AllBlocksAsync(MemoryBlockStore store)
    {
        var blocks = new List<Block>();
        await foreach (var cid in store.ListAsync()) blocks.Add((await store.GetAsync(cid))!);
        return blocks;
    }
}
