namespace Shoal.Core.Tests;

public class MemoryBlockStoreTests
{
    [Fact]
    public void Block_Create_refuses_bytes_that_do_not_match()
    {
        var cid = Cid.Compute(1, MulticodecCode.Raw, "good"u8);
        Assert.Throws<InvalidDataException>(() => Block.Create(cid, "evil"u8.ToArray()));
        Assert.Equal(cid, Block.Create(cid, "good"u8.ToArray()).Cid);
    }

    [Fact]
    public async Task Stores_by_multihash_so_v0_and_v1_find_the_same_block()
    {
        var store = new MemoryBlockStore();
        var block = Block.Compute("node"u8.ToArray(), MulticodecCode.DagPb, version: 0);
        await store.PutAsync(block);
        await store.PutAsync(block);
        Assert.Equal(1, store.Count);
        var v1 = block.Cid.ToV1();
        Assert.True(await store.HasAsync(v1));
        var got = await store.GetAsync(v1);
        Assert.NotNull(got);
        Assert.Equal(v1, got.Cid);
        Assert.Equal(4, await store.GetSizeAsync(block.Cid));
        var listed = new List<Cid>();
        await foreach (var c in store.ListAsync()) listed.Add(c);
        Assert.Equal([block.Cid], listed);
        await store.DeleteAsync(v1);
        Assert.False(await store.HasAsync(block.Cid));
        Assert.Null(await store.GetAsync(block.Cid));
        Assert.Null(await store.GetSizeAsync(block.Cid));
    }
}
