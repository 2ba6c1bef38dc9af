using Shoal.Bitswap;
using Shoal.Core;

namespace Shoal.Bitswap.Tests;

public class SmokeTests
{
    [Fact]
    public void Leecher_fetches_a_small_dag_from_a_seeder()
    {
        var net = new SimNet();
        var seeder = net.AddNode("seeder");
        var leecher = net.AddNode("leecher");
        var content = TestDags.RandomBytes(2 * 1024 * 1024 + 123, 1);
        var (root, blocks) = TestDags.Import(content);
        TestDags.Seed(net, seeder, blocks);
        net.ConnectAll();
        long s = net.FetchDag(leecher, root);
        net.RunUntil(() => leecher.Completed.ContainsKey(s), TimeSpan.FromSeconds(30));
        Assert.Equal(content, TestDags.ReadFile(leecher.Store, root));
        Assert.Equal(0, leecher.Engine.Stats.DupBlksReceived);
    }
}
