using System.Text;

namespace Shoal.Core.Tests;

/// <summary>DAGs Kubo produced (ipfs/gateway-conformance fixtures, referenced by ipfs/specs unixfs.md): read
/// through CarReader and UnixFsReader, and re-imported by Shoal to the same CID.</summary>
public class KuboCarFixtureTests
{
    private static async Task<(IReadOnlyList<Cid> Roots, MemoryBlockStore Store)> Load(string name)
    {
        var store = new MemoryBlockStore();
        await using var file = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "car", name));
        var (roots, _) = await CarReader.ImportAsync(file, store);
        return (roots, store);
    }

    private static async Task<Cid> ChildByName(IBlockStore store, Cid dir, string name)
    {
        var node = DagPb.Decode((await store.GetAsync(dir))!.Data.Span);
        Assert.Equal(UnixFsType.Directory, UnixFsData.Decode(node.Data!.Value.Span).Type);
        return node.Links.Single(l => l.Name == name).Hash;
    }

    [Fact]
    public async Task Multiblock_file_from_kubo_reads_back_and_reimports_to_the_same_cid()
    {
        var (roots, store) = await Load("dir-with-files.car");
        Assert.Equal("bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy", Assert.Single(roots).ToString());
        var multiblock = await ChildByName(store, roots[0], "multiblock.txt");
        Assert.Equal("bafybeigcisqd7m5nf3qmuvjdbakl5bdnh4ocrmacaqkpuh77qjvggmt2sa", multiblock.ToString());

        var reader = new UnixFsReader(store);
        await using var stream = await reader.OpenReadAsync(multiblock);
        Assert.Equal(1026, stream.Length);
        var text = new MemoryStream();
        await stream.CopyToAsync(text);
        var bytes = text.ToArray();
        Assert.Equal(1026, bytes.Length);
        Assert.StartsWith("Lorem ipsum dolor sit amet", Encoding.ASCII.GetString(bytes));

        // `ipfs add --cid-version=1 --chunker=size-256` in Kubo 0.21.
        var options = UnixFsImportOptions.KuboV1 with { ChunkSize = 256 };
        var again = await UnixFsImporter.ImportAsync(bytes, new MemoryBlockStore(), options);
        Assert.Equal(multiblock, again.Root);

        var hello = await ChildByName(store, roots[0], "hello.txt");
        var helloBytes = new MemoryStream();
        await reader.CopyToAsync(hello, helloBytes);
        Assert.Equal("hello world\n", Encoding.ASCII.GetString(helloBytes.ToArray()));
    }

    [Fact]
    public async Task Range_reads_succeed_around_a_missing_middle_block()
    {
        var (roots, store) = await Load("file-3k-and-3-blocks-missing-block.car");
        var root = Assert.Single(roots);
        Assert.Equal("QmYhmPjhFjYFyaoiuNzYv8WGavpSRDwdHWe5B4M5du5Rtk", root.ToString());
        var reader = new UnixFsReader(store);
        Assert.Equal(3072, (await reader.StatAsync(root)).Size);

        var first = new MemoryStream();
        Assert.Equal(1024, await reader.CopyToAsync(root, first, 0, 1024));
        var third = new MemoryStream();
        Assert.Equal(1024, await reader.CopyToAsync(root, third, 2048, 1024));
        Assert.Equal(72, await reader.CopyToAsync(root, new MemoryStream(), 3000));

        var missing = await Assert.ThrowsAsync<BlockNotFoundException>(() => reader.CopyToAsync(root, new MemoryStream()));
        Assert.False(await store.HasAsync(missing.Cid));
        await Assert.ThrowsAsync<BlockNotFoundException>(() => reader.CopyToAsync(root, new MemoryStream(), 1500, 10));
    }

    [Fact]
    public async Task OpenRead_stream_length_is_the_range_length()
    {
        var data = SeededContentStream.Bytes("open-read", 5000);
        var store = new MemoryBlockStore();
        var r = await UnixFsImporter.ImportAsync(data, store, new UnixFsImportOptions { ChunkSize = 512, MaxLinks = 3 });
        var reader = new UnixFsReader(store);
        await using var s = await reader.OpenReadAsync(r.Root, 4000, 2000);
        Assert.Equal(1000, s.Length);
        var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        Assert.Equal(data.AsSpan(4000).ToArray(), ms.ToArray());
        await using var empty = await reader.OpenReadAsync(r.Root, 6000);
        Assert.Equal(0, empty.Length);
        Assert.Equal(-1, empty.ReadByte());
    }
}
