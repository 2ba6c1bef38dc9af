using Shoal.Core;

namespace Shoal.Node.Tests;

/// <summary>Garbage collection by codec and the Datastore.StorageMax cap, on a node opened in this process (offline).</summary>
public class RepoStorageTests
{
    private static ShoalNode OpenNode(TempDir dir, Action<ShoalConfig>? configure = null)
    {
        var repo = RepoInitializer.Init(dir.Combine("repo"), new InitOptions { Configure = configure });
        return ShoalNode.Open(repo, repo.LoadConfig(new Dictionary<string, string>()));
    }

    /// <summary>DAG-CBOR by hand: a map {"a": link, "list": [link]} with tag-42 links.</summary>
    private static byte[] CborNode(Cid a, Cid b)
    {
        static byte[] Link(Cid c)
        {
            var bytes = c.Bytes.ToArray();
            return [0xd8, 0x2a, 0x58, (byte)(bytes.Length + 1), 0x00, .. bytes];
        }
        return [0xa2, 0x61, (byte)'a', .. Link(a), 0x64, .. "list"u8, 0x81, .. Link(b)];
    }

    [Fact]
    public async Task Gc_follows_dag_pb_and_dag_cbor_links_from_pinned_roots_and_collects_the_rest()
    {
        using var dir = new TempDir();
        await using var node = OpenNode(dir);
        async Task<Cid> Put(byte[] data, ulong codec) => Cid.Parse((await node.BlockPutAsync(data, codec, 1)).Key);

        var leaf1 = await Put("pinned leaf one"u8.ToArray(), MulticodecCode.Raw);
        var leaf2 = await Put("pinned leaf two"u8.ToArray(), MulticodecCode.Raw);
        var cbor = await Put(CborNode(leaf1, leaf2), MulticodecCode.DagCbor);
        var dirBlock = Block.Compute(DagPb.Encode(new DagPbNode([new DagPbLink(cbor, "meta", 0)], new UnixFsData { Type = UnixFsType.Directory }.Encode())), MulticodecCode.DagPb);
        var pinnedRoot = await Put(dirBlock.Data.ToArray(), MulticodecCode.DagPb);

        var looseLeaf = await Put("unpinned leaf"u8.ToArray(), MulticodecCode.Raw);
        var looseCbor = await Put(CborNode(looseLeaf, looseLeaf), MulticodecCode.DagCbor);

        await node.PinAddAsync(pinnedRoot);
        var gc = await node.GcAsync();

        foreach (var kept in new[] { pinnedRoot, cbor, leaf1, leaf2 })
            Assert.True(await node.LocalBlocks.HasAsync(kept), $"{kept} was collected although a pinned root reaches it");
        Assert.False(await node.LocalBlocks.HasAsync(looseCbor));
        Assert.False(await node.LocalBlocks.HasAsync(looseLeaf));
        Assert.Equal(2, gc.Removed.Count);

        // Exporting the pinned root follows the same links: all four blocks.
        var car = new MemoryStream();
        await node.DagExportAsync(pinnedRoot, car);
        var (_, count) = await CarReader.ImportAsync(new MemoryStream(car.ToArray()), new MemoryBlockStore());
        Assert.Equal(4, count);
    }

    [Fact]
    public void Dag_cbor_scanner_rejects_truncated_and_non_dag_cbor_input()
    {
        var links = new List<Cid>();
        var cid = Block.Compute("x"u8.ToArray()).Cid;
        DagCborLinks.Extract(CborNode(cid, cid), links);
        Assert.Equal([cid, cid], links);
        Assert.Throws<FormatException>(() => DagCborLinks.Extract(CborNode(cid, cid)[..^3], links));
        Assert.Throws<FormatException>(() => DagCborLinks.Extract([0x9f, 0xff], links)); // indefinite-length array
        Assert.Throws<FormatException>(() => DagCborLinks.Extract([0xc1, 0x00], links)); // a tag other than 42
    }

    [Fact]
    public async Task Writes_past_storage_max_are_refused_with_a_clear_error_until_gc_frees_room()
    {
        using var dir = new TempDir();
        await using var node = OpenNode(dir, c => c.Datastore.StorageMax = 200_000);
        var first = await node.AddAsync(new MemoryStream(DaemonTests.RandomBytes(120_000, 61)), "a", new AddOptions(Pin: false));

        var full = await Assert.ThrowsAsync<StorageFullException>(() => node.AddAsync(new MemoryStream(DaemonTests.RandomBytes(120_000, 62)), "b", new AddOptions()));
        Assert.Contains("Datastore.StorageMax", full.Message);
        Assert.True((await node.RepoStatAsync()).RepoSize <= 200_000);
        // Putting what is already there needs no room.
        await node.AddAsync(new MemoryStream(DaemonTests.RandomBytes(120_000, 61)), "a", new AddOptions(Pin: false));

        await node.GcAsync();
        var second = await node.AddAsync(new MemoryStream(DaemonTests.RandomBytes(120_000, 62)), "b", new AddOptions());
        Assert.NotEqual(first.Hash, second.Hash);
        Assert.False(node.LocalBlocks.KeepsBlockMemory); // flatfs copies bytes out; the wrappers say so
    }

    [Fact]
    public async Task Cli_add_past_storage_max_fails_naming_the_setting()
    {
        using var dir = new TempDir();
        var repo = dir.Combine("repo");
        Assert.Equal(0, (await ShoalCli.RunAsync("init", "--repo", repo, "--profile", "test")).ExitCode);
        Assert.Equal(0, (await ShoalCli.RunAsync("config", "set", "Datastore.StorageMax", "50000", "--repo", repo)).ExitCode);
        var file = dir.Combine("big.bin");
        await File.WriteAllBytesAsync(file, DaemonTests.RandomBytes(80_000, 63));
        var add = await ShoalCli.RunAsync("add", file, "--repo", repo);
        Assert.NotEqual(0, add.ExitCode);
        Assert.Contains("repository full", add.Stderr);
        Assert.Contains("Datastore.StorageMax", add.Stderr);
    }
}
