using Shoal.Core;

namespace Shoal.Registry.Tests;

public sealed class UnixFsDagStreamTests
{
    private static readonly UnixFsImportOptions Deep = new() { CidVersion = 1, ChunkSize = 1000, MaxLinks = 4, RawLeaves = true };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(999)]
    [InlineData(1000)]
    [InlineData(4321)]
    [InlineData(16_000)]
    [InlineData(49_999)]
    [InlineData(50_000)]
    public async Task Reads_a_deep_dag_in_order_from_any_offset(int offset)
    {
        var content = new byte[50_000];
        new Random(offset).NextBytes(content);
        var store = new MemoryBlockStore();
        var imported = await UnixFsImporter.ImportAsync(content, store, Deep);
        var fetched = new List<Cid>();
        async ValueTask<Block> Get(Cid cid, CancellationToken ct)
        {
            lock (fetched) fetched.Add(cid);
            return (await store.GetAsync(cid, ct))!;
        }
        await using var stream = new UnixFsDagStream(imported.Root, offset, window: 3, Get);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(content.AsSpan(offset).ToArray(), copy.ToArray());
        // Leaves before the offset are skipped by size, never fetched.
        var leavesBefore = offset / Deep.ChunkSize;
        var totalLeaves = (content.Length + Deep.ChunkSize - 1) / Deep.ChunkSize;
        var leavesFetched = fetched.Count(c => c.Codec == MulticodecCode.Raw);
        Assert.True(leavesFetched <= totalLeaves - leavesBefore + 3, $"fetched {leavesFetched} leaves for offset {offset}");
    }

    [Fact]
    public async Task A_non_file_block_is_refused()
    {
        var store = new MemoryBlockStore();
        var bogus = Block.Compute(new byte[] { 1, 2, 3 }, MulticodecCode.DagCbor);
        await store.PutAsync(bogus);
        await using var stream = new UnixFsDagStream(bogus.Cid, 0, 2, async (c, ct) => (await store.GetAsync(c, ct))!);
        await Assert.ThrowsAsync<InvalidDataException>(async () => await stream.ReadExactlyAsync(new byte[10]));
    }
}
