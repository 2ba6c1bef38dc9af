using Shoal.Bitswap;
using Shoal.Core;

namespace Shoal.Bitswap.Tests;

public class MultiNodeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData(BitswapStrategy.Bitswap12)]
    [InlineData(BitswapStrategy.Shoal)]
    public void Three_seeders_send_few_duplicate_blocks(BitswapStrategy strategy)
    {
        var (dups, blocks) = FetchFromThreeSeeders(strategy);
        Assert.True(dups <= blocks / 20, $"{dups} duplicates for {blocks} blocks");
    }

    [Fact]
    public void Bitswap_1_1_strategy_fetches_too_but_with_more_duplicates()
    {
        var (dups11, blocks) = FetchFromThreeSeeders(BitswapStrategy.Bitswap11);
        var (dups12, _) = FetchFromThreeSeeders(BitswapStrategy.Bitswap12);
        Assert.True(dups11 > dups12, $"1.1: {dups11}, 1.2: {dups12} duplicates of {blocks}");
    }

    private static (long Dups, long Blocks) FetchFromThreeSeeders(BitswapStrategy strategy)
    {
        var net = new SimNet();
        var options = BitswapOptions.For(strategy, randomSeed: 7);
        var content = TestDags.RandomBytes(8 * 1024 * 1024, 3);
        var (root, blocks) = TestDags.Import(content);
        for (int i = 0; i < 3; i++)
        {
            var seeder = net.AddNode($"seeder{i}", options with { RandomSeed = 100 + i });
            seeder.UploadBytesPerSecond = 20e6;
            TestDags.Seed(net, seeder, blocks);
        }
        var leecher = net.AddNode("leecher", options);
        net.ConnectAll();
        long s = net.FetchDag(leecher, root);
        net.RunUntil(() => leecher.Completed.ContainsKey(s), Limit);
        Assert.Equal(content, TestDags.ReadFile(leecher.Store, root));
        return (leecher.Engine.Stats.DupBlksReceived, blocks.Count);
    }

    [Fact]
    public void Provider_search_finds_a_seeder_we_are_not_connected_to()
    {
        var net = new SimNet();
        var seeder = net.AddNode("seeder");
        var neighbour = net.AddNode("neighbour");
        var leecher = net.AddNode("leecher");
        var content = TestDags.RandomBytes(1024 * 1024, 4);
        var (root, blocks) = TestDags.Import(content);
        TestDags.Seed(net, seeder, blocks);
        net.Provide(seeder, root);
        net.Connect(leecher, neighbour);
        long s = net.FetchDag(leecher, root);
        net.RunUntil(() => leecher.Completed.ContainsKey(s), Limit);
        Assert.Equal(content, TestDags.ReadFile(leecher.Store, root));
        Assert.Contains(root, leecher.ProviderQueries);
        Assert.True(net.Now >= BitswapDefaults.ProviderSearchDelay);
    }

    [Fact]
    public void A_leecher_reseeds_what_it_fetched_to_a_peer_that_asked_before_it_had_it()
    {
        var net = new SimNet();
        var seeder = net.AddNode("seeder");
        var first = net.AddNode("first");
        var second = net.AddNode("second");
        var content = TestDags.RandomBytes(3 * 1024 * 1024, 5);
        var (root, blocks) = TestDags.Import(content);
        TestDags.Seed(net, seeder, blocks);
        net.Connect(first, seeder);
        net.Connect(first, second); // second can only get the data through first

        long s2 = net.FetchDag(second, root);
        net.RunFor(TimeSpan.FromMilliseconds(100)); // first answers nothing yet: it has nothing
        Assert.Null(second.Store.Get(root));

        long s1 = net.FetchDag(first, root);
        net.RunUntil(() => first.Completed.ContainsKey(s1) && second.Completed.ContainsKey(s2), Limit);
        Assert.Equal(content, TestDags.ReadFile(second.Store, root));
    }

    [Theory]
    [InlineData(BitswapProtocolVersion.V110)]
    [InlineData(BitswapProtocolVersion.V100)]
    public void Old_protocol_seeders_still_serve(BitswapProtocolVersion version)
    {
        var net = new SimNet();
        var seeder = net.AddNode("old", version: version);
        var leecher = net.AddNode("leecher");
        var content = TestDags.RandomBytes(1024 * 1024 + 17, 6);
        // 1.0 only knows CIDv0, so that seeder holds a Kubo-style (CIDv0, dag-pb leaves) DAG.
        var (root, blocks) = TestDags.Import(content, version == BitswapProtocolVersion.V100 ? UnixFsImportOptions.Kubo : UnixFsImportOptions.KuboV1);
        TestDags.Seed(net, seeder, blocks);
        net.ConnectAll();
        long s = net.FetchDag(leecher, root);
        net.RunUntil(() => leecher.Completed.ContainsKey(s), Limit);
        Assert.Equal(content, TestDags.ReadFile(leecher.Store, root));
    }

    [Fact]
    public void A_silent_peer_holding_a_want_block_does_not_stall_the_fetch()
    {
        var net = new SimNet();
        var seeder = net.AddNode("seeder");
        var liar = net.AddNode("liar");
        var leecher = net.AddNode("leecher");
        var content = TestDags.RandomBytes(2 * 1024 * 1024, 8);
        var (root, blocks) = TestDags.Import(content);
        TestDags.Seed(net, seeder, blocks);
        TestDags.Seed(net, liar, blocks);
        net.ConnectAll();
        // The liar says HAVE (so it gets want-blocks) and then never sends a thing.
        long s = net.FetchDag(leecher, root);
        net.RunUntil(() => liar.Received.Count > 0, Limit);
        liar.Silent = true;
        net.RunUntil(() => leecher.Completed.ContainsKey(s), Limit);
        Assert.Equal(content, TestDags.ReadFile(leecher.Store, root));
    }
}
