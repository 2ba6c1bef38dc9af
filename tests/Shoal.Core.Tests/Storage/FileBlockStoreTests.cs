namespace Shoal.Core.Tests;

public sealed class FileBlockStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "shoal-fbs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Put_get_has_size_delete_and_list()
    {
        var store = new FileBlockStore(_dir);
        var block = Block.Compute("hello world\n"u8.ToArray());
        Assert.False(await store.HasAsync(block.Cid));
        Assert.Null(await store.GetAsync(block.Cid));
        Assert.Null(await store.GetSizeAsync(block.Cid));
        await store.PutAsync(block);
        await store.PutAsync(block);
        Assert.True(await store.HasAsync(block.Cid));
        Assert.Equal(12, await store.GetSizeAsync(block.Cid));
        var got = await store.GetAsync(block.Cid);
        Assert.Equal(block.Data.ToArray(), got!.Data.ToArray());
        Assert.Equal(block.Cid, got.Cid);
        var listed = new List<Cid>();
        await foreach (var c in store.ListAsync()) listed.Add(c);
        Assert.Equal([block.Cid], listed);
        await store.DeleteAsync(block.Cid);
        await store.DeleteAsync(block.Cid);
        Assert.False(await store.HasAsync(block.Cid));
    }

    [Fact]
    public async Task Reads_complete_at_once_so_synchronous_callers_do_not_wait_on_the_thread_pool()
    {
        var store = new FileBlockStore(_dir);
        var block = Block.Compute(new byte[300_000].Select((_, i) => (byte)(i * 7)).ToArray());
        var missing = store.GetAsync(Block.Compute("absent"u8.ToArray()).Cid);
        Assert.True(missing.IsCompletedSuccessfully);
        Assert.Null(missing.Result);
        await store.PutAsync(block);
        var read = store.GetAsync(block.Cid);
        Assert.True(read.IsCompletedSuccessfully); // Bitswap's core reads blocks it serves synchronously
        Assert.Equal(block.Data.ToArray(), read.Result!.Data.ToArray());
    }

    [Fact]
    public async Task Uses_kubo_flatfs_next_to_last_2_layout()
    {
        var store = new FileBlockStore(_dir);
        var block = Block.Compute("hello world\n"u8.ToArray(), MulticodecCode.DagPb, 0);
        await store.PutAsync(block);
        var key = FileBlockStore.KeyOf(block.Cid.Hash);
        Assert.StartsWith("CIQ", key); // base32 of 0x12 0x20…, as in every Kubo repo
        Assert.True(File.Exists(Path.Combine(_dir, key[^3..^1], key + ".data")));
        Assert.Equal("/repo/flatfs/shard/v1/next-to-last/2", File.ReadAllText(Path.Combine(_dir, "SHARDING")).Trim());
        // Keyed by multihash: the v1 raw CID of the same bytes finds it.
        Assert.True(await store.HasAsync(Cid.Create(1, MulticodecCode.Raw, block.Cid.Hash)));
    }

    [Fact]
    public async Task Crash_leftover_temp_files_are_removed_on_open_and_never_listed()
    {
        var store = new FileBlockStore(_dir);
        var good = Block.Compute("complete"u8.ToArray());
        await store.PutAsync(good);
        // A crash mid-write leaves a temp file beside the blocks, never a partial .data file.
        var half = Block.Compute(new byte[1000]);
        var key = FileBlockStore.KeyOf(half.Cid.Hash);
        var shard = Path.Combine(_dir, key[^3..^1]);
        Directory.CreateDirectory(shard);
        var leftover = Path.Combine(shard, $".{key}.0123456789abcdef.tmp");
        File.WriteAllBytes(leftover, new byte[300]);

        var listed = new List<Cid>();
        await foreach (var c in store.ListAsync()) listed.Add(c);
        Assert.Equal([good.Cid], listed);
        Assert.False(await store.HasAsync(half.Cid));

        var reopened = new FileBlockStore(_dir);
        Assert.Equal(1, reopened.RemovedTempFiles);
        Assert.False(File.Exists(leftover));
        Assert.True(await reopened.HasAsync(good.Cid));
        await reopened.PutAsync(half);
        Assert.Equal(1000, (await reopened.GetAsync(half.Cid))!.Data.Length);
    }

    [Fact]
    public async Task Hash_on_read_detects_corruption_on_disk()
    {
        var store = new FileBlockStore(_dir, verifyOnRead: true);
        var block = Block.Compute("precious"u8.ToArray());
        await store.PutAsync(block);
        var key = FileBlockStore.KeyOf(block.Cid.Hash);
        File.WriteAllBytes(Path.Combine(_dir, key[^3..^1], key + ".data"), "tampered"u8.ToArray());
        await Assert.ThrowsAsync<InvalidDataException>(async () => await store.GetAsync(block.Cid));
    }

    [Fact]
    public async Task Concurrent_writers_and_readers_see_whole_blocks_only()
    {
        var store = new FileBlockStore(_dir);
        var blocks = Enumerable.Range(0, 16).Select(i => Block.Compute(SeededContentStream.Bytes("c" + i, 20000 + i))).ToArray();
        var tasks = new List<Task>();
        for (int w = 0; w < 4; w++)
        {
            tasks.Add(Task.Run(async () =>
            {
                foreach (var b in blocks) await store.PutAsync(b);
            }));
            tasks.Add(Task.Run(async () =>
            {
                for (int round = 0; round < 3; round++)
                {
                    foreach (var b in blocks)
                    {
                        var got = await store.GetAsync(b.Cid);
                        if (got is not null) Assert.True(b.Cid.Hash.Matches(got.Data.Span));
                    }
                }
            }));
        }
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        int count = 0;
        await foreach (var _ in store.ListAsync()) count++;
        Assert.Equal(16, count);
        Assert.Empty(Directory.EnumerateFiles(_dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("kubo", 300_000)]
    [InlineData("kubo", 262_144)]
    [InlineData("kubo", 0)]
    [InlineData("kubo-v1", 300_000)]
    [InlineData("helia", 1_048_577)]
    public async Task Importing_to_disk_reuses_one_buffer_and_gives_the_same_dag_as_memory(string profile, int size)
    {
        var store = new FileBlockStore(_dir);
        Assert.False(((IBlockStore)store).KeepsBlockMemory);
        var data = SeededContentStream.Bytes("disk", size);
        var options = UnixFsImportOptions.FromProfile(profile);
        var onDisk = await UnixFsImporter.ImportAsync(data, store, options);
        var memory = new MemoryBlockStore();
        var inMemory = await UnixFsImporter.ImportAsync(data, memory, options);
        Assert.Equal(inMemory.Root, onDisk.Root);
        Assert.Equal(inMemory.DagSize, onDisk.DagSize);
        var back = new MemoryStream();
        await new UnixFsReader(new FileBlockStore(_dir)).CopyToAsync(onDisk.Root, back);
        Assert.Equal(data, back.ToArray());
        await foreach (var cid in memory.ListAsync()) Assert.True(await store.HasAsync(cid));
    }
}
