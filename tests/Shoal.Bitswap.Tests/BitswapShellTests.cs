using Shoal.Bitswap;
using Shoal.Core;

namespace Shoal.Bitswap.Tests;

public class BitswapShellTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private sealed class Node : IAsyncDisposable
    {
        public Node(InMemoryBitswapHub hub, string name, BitswapOptions? options = null, double uploadBytesPerSecond = 0)
        {
            Store = new MemoryBlockStore();
            Network = hub.CreateEndpoint(SimNet.MakePeerId(name), uploadBytesPerSecond: uploadBytesPerSecond);
            Bitswap = new Bitswap(Network, Store, options);
            Bitswap.Start();
        }

        public MemoryBlockStore Store { get; }
        public InMemoryBitswapNetwork Network { get; }
        public Bitswap Bitswap { get; }

        public async ValueTask DisposeAsync()
        {
            await Bitswap.DisposeAsync();
            await Network.DisposeAsync();
        }
    }

    private static async Task<byte[]> ReadAllAsync(IBlockStore store, Cid root)
    {
        var output = new MemoryStream();
        await new UnixFsReader(store).CopyToAsync(root, output);
        return output.ToArray();
    }

    [Fact]
    public async Task Fetches_a_dag_between_two_nodes_over_the_in_memory_network()
    {
        var hub = new InMemoryBitswapHub();
        await using var seeder = new Node(hub, "seeder");
        await using var leecher = new Node(hub, "leecher");
        var content = TestDags.RandomBytes(5 * 1024 * 1024 + 3, 21);
        var imported = await UnixFsImporter.ImportAsync(content, seeder.Store, UnixFsImportOptions.KuboV1);
        hub.Connect(seeder.Network.LocalPeer, leecher.Network.LocalPeer);

        var result = await leecher.Bitswap.FetchDagAsync(imported.Root).WaitAsync(Timeout);
        Assert.Equal(imported.BlockCount, result.Blocks);
        Assert.Equal(content, await ReadAllAsync(leecher.Store, imported.Root));
        Assert.Equal(imported.BlockCount, seeder.Bitswap.Stats.BlocksSent);
    }

    [Fact]
    public async Task GetBlockAsync_returns_local_blocks_and_waits_for_remote_ones()
    {
        var hub = new InMemoryBitswapHub();
        await using var a = new Node(hub, "a");
        await using var b = new Node(hub, "b");
        var block = Block.Compute(TestDags.RandomBytes(1000, 22));
        await a.Store.PutAsync(block);
        Assert.Same(block, await a.Bitswap.GetBlockAsync(block.Cid));

        // b asks before anyone is connected; the answer comes once the peers meet.
        var pending = b.Bitswap.GetBlockAsync(block.Cid);
        Assert.False(pending.IsCompleted);
        hub.Connect(a.Network.LocalPeer, b.Network.LocalPeer);
        var got = await pending.WaitAsync(Timeout);
        Assert.Equal(block.Data.ToArray(), got.Data.ToArray());
        Assert.True(await b.Store.HasAsync(block.Cid));
    }

    [Fact]
    public async Task Cancelled_get_withdraws_the_want()
    {
        var hub = new InMemoryBitswapHub();
        await using var a = new Node(hub, "a");
        await using var b = new Node(hub, "b");
        hub.Connect(a.Network.LocalPeer, b.Network.LocalPeer);
        var missing = Block.Compute(TestDags.RandomBytes(10, 23)).Cid;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.Bitswap.GetBlockAsync(missing, cts.Token));
        var deadline = DateTime.UtcNow + Timeout;
        while ((await a.Bitswap.GetWantlistsAsync(b.Network.LocalPeer)).TheyWant.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the cancel never reached the peer");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task One_seeder_and_eight_leechers_fetch_a_file_and_trade_among_themselves()
    {
        var hub = new InMemoryBitswapHub();
        var options = BitswapOptions.For(BitswapStrategy.Shoal);
        const double uplink = 100e6; // every node uploads at 800 Mbit/s, so the seeder's upload is the scarce resource
        await using var seeder = new Node(hub, "seeder", options, uplink);
        var leechers = new List<Node>();
        try
        {
            for (int i = 0; i < 8; i++) leechers.Add(new Node(hub, $"leecher{i}", options with { RandomSeed = i + 2 }, uplink));
            var all = leechers.Prepend(seeder).ToList();
            for (int i = 0; i < all.Count; i++)
                for (int j = i + 1; j < all.Count; j++)
                    hub.Connect(all[i].Network.LocalPeer, all[j].Network.LocalPeer);

            var content = TestDags.RandomBytes(64 * 1024 * 1024, 24);
            var imported = await UnixFsImporter.ImportAsync(content, seeder.Store, UnixFsImportOptions.KuboV1);
            var fetches = leechers.Select(l => l.Bitswap.FetchDagAsync(imported.Root)).ToArray();
            await Task.WhenAll(fetches).WaitAsync(Timeout);

            foreach (var l in leechers) Assert.Equal(content, await ReadAllAsync(l.Store, imported.Root));
            long received = leechers.Sum(l => l.Bitswap.Stats.BlocksReceived);
            long dups = leechers.Sum(l => l.Bitswap.Stats.DupBlksReceived);
            Assert.True(dups * 20 < received, $"{dups} duplicates of {received} blocks");
            long seederUpload = seeder.Bitswap.Stats.DataSent;
            Assert.True(seederUpload < 3L * content.Length, $"seeder uploaded {seederUpload / (double)content.Length:F2}x the file");
        }
        finally
        {
            foreach (var l in leechers) await l.DisposeAsync();
        }
    }
}
