using Shoal.Bitswap;
using Shoal.Core;

namespace Shoal.Bitswap.Tests;

public class PeersWithAnswersTests
{
    [Theory]
    [InlineData(BitswapStrategy.Bitswap12)]
    [InlineData(BitswapStrategy.Shoal)]
    public void Index_of_peers_with_queued_answers_stays_exact_through_a_swarm_fetch_with_churn(BitswapStrategy strategy)
    {
        var net = new SimNet();
        var options = BitswapOptions.For(strategy, randomSeed: 11);
        var content = TestDags.RandomBytes(3 * 1024 * 1024, 5);
        var (root, blocks) = TestDags.Import(content);
        var seeder = net.AddNode("seeder", options with { RandomSeed = 1 });
        seeder.UploadBytesPerSecond = 30e6;
        TestDags.Seed(net, seeder, blocks);
        var leechers = Enumerable.Range(0, 5).Select(i => net.AddNode($"leecher{i}", options with { RandomSeed = 10 + i })).ToList();
        foreach (var l in leechers) l.UploadBytesPerSecond = 30e6;
        net.ConnectAll();
        var sessions = leechers.Select(l => net.FetchDag(l, root)).ToList();

        int checks = 0;
        bool Check()
        {
            foreach (var node in net.Nodes)
            {
                Assert.Null(node.Engine.CheckPeersWithAnswers());
                checks++;
            }
            return false;
        }

        // Part of the way, one leecher leaves (its ledgers everywhere are cleared) and comes back (a new peer state).
        net.RunUntil(() => Check() || leechers[0].Delivered.Values.Sum(d => d.Count) > blocks.Count / 3, TimeSpan.FromSeconds(60));
        foreach (var other in net.Nodes.Where(n => n != leechers[1])) net.Disconnect(leechers[1], other);
        net.RunFor(TimeSpan.FromMilliseconds(50));
        Check();
        foreach (var other in net.Nodes.Where(n => n != leechers[1])) net.Connect(leechers[1], other);
        net.RunUntil(() => Check() || leechers.Where(l => l != leechers[1]).Select((l, i) => l.Completed.Count).All(c => c > 0), TimeSpan.FromSeconds(120));
        Assert.True(checks > 1000, $"only {checks} checks");
    }
}
