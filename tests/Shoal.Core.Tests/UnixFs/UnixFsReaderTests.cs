namespace Shoal.Core.Tests;

public class UnixFsReaderTests
{
    private static readonly UnixFsImportOptions SmallTree = new() { CidVersion = 1, ChunkSize = 100, MaxLinks = 4, RawLeaves = true };

    private static async Task<(Cid Root, byte[] Data, MemoryBlockStore Store)> ImportAsync(int size, UnixFsImportOptions options)
    {
        var data = SeededContentStream.Bytes("reader-" + size, size);
        var store = new MemoryBlockStore();
        var result = await UnixFsImporter.ImportAsync(data, store, options);
        return (result.Root, data, store);
    }

    private static async Task<byte[]> ReadAll(UnixFsReader reader, Cid root, long offset = 0, long? length = null)
    {
        var ms = new MemoryStream();
        await reader.CopyToAsync(root, ms, offset, length);
        return ms.ToArray();
    }

    public static TheoryData<int, string> Sizes() => new()
    {
        { 0, "small" }, { 1, "small" }, { 100, "small" }, { 101, "small" }, { 400, "small" }, { 1601, "small" }, { 7000, "small" },
        { 0, "kubo" }, { 12, "kubo" }, { 262145, "kubo" }, { 5000, "kubo-dagpb-small" }, { 262145, "kubo-v1" },
    };

    private static UnixFsImportOptions Options(string name) => name switch
    {
        "small" => SmallTree,
        "kubo-dagpb-small" => UnixFsImportOptions.Kubo with { ChunkSize = 100, MaxLinks = 3 },
        _ => UnixFsImportOptions.FromProfile(name),
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Reads_back_exactly_what_was_imported(int size, string profile)
    {
        var (root, data, store) = await ImportAsync(size, Options(profile));
        var reader = new UnixFsReader(store);
        Assert.Equal(data, await ReadAll(reader, root));
        var stat = await reader.StatAsync(root);
        Assert.Equal(size, stat.Size);
    }

    [Fact]
    public async Task Ranges_return_the_matching_slice()
    {
        var (root, data, store) = await ImportAsync(1601, SmallTree);
        var reader = new UnixFsReader(store);
        var random = new Random(42);
        for (int i = 0; i < 200; i++)
        {
            int offset = random.Next(0, 1700);
            int length = random.Next(0, 700);
            var expected = data.AsSpan(Math.Min(offset, data.Length), Math.Max(0, Math.Min(length, data.Length - offset))).ToArray();
            Assert.Equal(expected, await ReadAll(reader, root, offset, length));
        }
        Assert.Equal(data.AsSpan(1500).ToArray(), await ReadAll(reader, root, 1500));
        Assert.Equal(data.AsSpan(99, 3).ToArray(), await ReadAll(reader, root, 99, 3));
    }

    [Fact]
    public async Task Range_reads_fetch_only_the_blocks_they_need()
    {
        var (root, data, store) = await ImportAsync(1601, SmallTree);
        var fetched = new List<Cid>();
        var reader = new UnixFsReader(async (cid, ct) =>
        {
            lock (fetched) fetched.Add(cid);
            return (await store.GetAsync(cid, ct))!;
        }, prefetch: 0);
        Assert.Equal(data.AsSpan(1550, 10).ToArray(), await ReadAll(reader, root, 1550, 10));
        // Tree: root(3 children) → the last subtree → its last leaves; far fewer than the 24 blocks of the DAG.
        Assert.InRange(fetched.Count, 3, 5);
    }

    [Fact]
    public async Task Network_fetcher_with_prefetch_reads_the_whole_file()
    {
        var (root, data, store) = await ImportAsync(7000, SmallTree);
        int inFlight = 0, maxInFlight = 0;
        var reader = new UnixFsReader(async (cid, ct) =>
        {
            int now = Interlocked.Increment(ref inFlight);
            lock (store) maxInFlight = Math.Max(maxInFlight, now);
            await Task.Yield();
            var block = await store.GetAsync(cid, ct);
            Interlocked.Decrement(ref inFlight);
            return block!;
        }, prefetch: 4);
        Assert.Equal(data, await ReadAll(reader, root));
        Assert.InRange(maxInFlight, 1, 5);
    }

    [Fact]
    public async Task Missing_block_is_reported_with_its_cid()
    {
        var (root, _, store) = await ImportAsync(1601, SmallTree);
        Cid? victim = null;
        await foreach (var cid in store.ListAsync()) if (cid.Codec == MulticodecCode.Raw) { victim = cid; break; }
        await store.DeleteAsync(victim!);
        var e = await Assert.ThrowsAsync<BlockNotFoundException>(() => ReadAll(new UnixFsReader(store), root));
        Assert.Equal(victim, e.Cid);
    }

    [Fact]
    public async Task A_fetcher_returning_the_wrong_block_is_refused()
    {
        var (root, _, store) = await ImportAsync(300, SmallTree);
        var other = Block.Compute("other"u8.ToArray());
        var reader = new UnixFsReader((cid, ct) => ValueTask.FromResult(cid == root ? store.GetAsync(cid, ct).Result! : other), prefetch: 0);
        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAll(reader, root));
    }

    [Fact]
    public async Task Enumerates_every_block_once_root_first()
    {
        var (root, _, store) = await ImportAsync(1601, SmallTree);
        var reader = new UnixFsReader(store);
        var cids = new List<Cid>();
        await foreach (var cid in reader.EnumerateDagAsync(root)) cids.Add(cid);
        Assert.Equal(root, cids[0]);
        Assert.Equal(store.Count, cids.Count);
        Assert.Equal(cids.Count, cids.Distinct().Count());
    }

    [Fact]
    public async Task Enumerate_deduplicates_repeated_leaves()
    {
        // All-zero data: every leaf is the same block.
        var store = new MemoryBlockStore();
        var r = await UnixFsImporter.ImportAsync(new byte[1000], store, SmallTree);
        var cids = new List<Cid>();
        await foreach (var cid in new UnixFsReader(store).EnumerateDagAsync(r.Root)) cids.Add(cid);
        Assert.Equal(store.Count, cids.Count);
        Assert.Equal(new byte[1000], await ReadAll(new UnixFsReader(store), r.Root));
    }

    [Fact]
    public async Task Directory_is_not_readable_as_a_file()
    {
        var store = new MemoryBlockStore();
        var dir = Block.Compute(DagPb.Encode(new DagPbNode([], new UnixFsData { Type = UnixFsType.Directory }.Encode())), MulticodecCode.DagPb, 0);
        await store.PutAsync(dir);
        Assert.Equal("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn", dir.Cid.ToString());
        var reader = new UnixFsReader(store);
        Assert.Equal(UnixFsType.Directory, (await reader.StatAsync(dir.Cid)).Type);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ReadAll(reader, dir.Cid));
    }

    [Fact]
    public async Task Lying_blocksizes_are_detected()
    {
        var store = new MemoryBlockStore();
        var leaf = Block.Compute("abc"u8.ToArray());
        await store.PutAsync(leaf);
        var unixfs = new UnixFsData { Type = UnixFsType.File, FileSize = 5, BlockSizes = [5] };
        var root = Block.Compute(DagPb.Encode(new DagPbNode([new DagPbLink(leaf.Cid, "", 3)], unixfs.Encode())), MulticodecCode.DagPb);
        await store.PutAsync(root);
        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAll(new UnixFsReader(store), root.Cid));
    }
}
