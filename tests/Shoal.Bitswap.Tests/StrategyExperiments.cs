using Shoal.Bitswap;
using Shoal.Core;
using Xunit.Abstractions;

namespace Shoal.Bitswap.Tests;

/// <summary>Prints figures for the strategies on the deterministic network (one seeder, many leechers).
/// Assertions here are the floor every strategy must meet; the figures are what issue 9 tunes.</summary>
public class StrategyExperiments(ITestOutputHelper output)
{
    [Theory]
    [InlineData(BitswapStrategy.Bitswap12)]
    [InlineData(BitswapStrategy.Shoal)]
    public void One_seeder_eight_leechers(BitswapStrategy strategy)
    {
        var net = new SimNet { Latency = TimeSpan.FromMilliseconds(5) };
        var content = TestDags.RandomBytes(16 * 1024 * 1024, 31);
        var (root, blocks) = TestDags.Import(content);
        var seeder = net.AddNode("seeder", BitswapOptions.For(strategy, 1));
        seeder.UploadBytesPerSecond = 12.5e6;
        TestDags.Seed(net, seeder, blocks);
        var leechers = Enumerable.Range(0, 8).Select(i =>
        {
            var n = net.AddNode($"l{i}", BitswapOptions.For(strategy, 10 + i));
            n.UploadBytesPerSecond = 12.5e6;
            return n;
        }).ToList();
        net.ConnectAll();
        var sessions = leechers.Select(l => net.FetchDag(l, root)).ToList();
        net.RunUntil(() => leechers.Select((l, i) => l.Completed.ContainsKey(sessions[i])).All(x => x), TimeSpan.FromMinutes(5));
        long dups = leechers.Sum(l => l.Engine.Stats.DupBlksReceived);
        long recv = leechers.Sum(l => l.Engine.Stats.BlocksReceived);
        double seederShare = seeder.Engine.Stats.DataSent / (double)content.Length;
        double bound = content.Length * 8.0 / (12.5e6 * 9); // all 9 uplinks busy all the time
        output.WriteLine($"{strategy}: done at {net.Now.TotalSeconds:F2} s (fluid bound {bound:F2} s), dups {dups}/{recv}, seeder sent {seederShare:F2} copies, " +
            $"msgs {leechers.Sum(l => l.Engine.Stats.MessagesSent) + seeder.Engine.Stats.MessagesSent}, simulated DH {leechers.Sum(l => l.Engine.Stats.SimulatedDontHaves)}");
        foreach (var l in leechers) Assert.Equal(content.Length, TestDags.ReadFile(l.Store, root).Length);
    }

    [Theory]
    [InlineData(BitswapStrategy.Bitswap11)]
    [InlineData(BitswapStrategy.Bitswap12)]
    [InlineData(BitswapStrategy.Shoal)]
    public void Image_of_four_layers_to_sixteen_leechers(BitswapStrategy strategy)
    {
        var wall = System.Diagnostics.Stopwatch.StartNew();
        var net = new SimNet { Latency = TimeSpan.FromMilliseconds(2.5) };
        const double uplink = 125e6; // 1 Gbit/s
        var layers = Enumerable.Range(0, 4).Select(i => TestDags.Import(TestDags.RandomBytes((4 + 4 * i) * 1024 * 1024, 50 + i), UnixFsImportOptions.Kubo)).ToList();
        long total = layers.Sum(l => l.Blocks.Sum(b => (long)b.Data.Length));
        var seeder = net.AddNode("seeder", BitswapOptions.For(strategy, 1));
        seeder.UploadBytesPerSecond = uplink;
        foreach (var l in layers) TestDags.Seed(net, seeder, l.Blocks);
        var leechers = Enumerable.Range(0, 16).Select(i =>
        {
            var n = net.AddNode($"l{i}", BitswapOptions.For(strategy, 10 + i));
            n.UploadBytesPerSecond = uplink;
            return n;
        }).ToList();
        net.ConnectAll();
        var sessions = leechers.Select(l => layers.Select(layer => net.FetchDag(l, layer.Root)).ToList()).ToList();
        net.RunUntil(() => leechers.Select((l, i) => sessions[i].All(l.Completed.ContainsKey)).All(x => x), TimeSpan.FromSeconds(60));
        long dups = leechers.Sum(l => l.Engine.Stats.DupBlksReceived);
        long recv = leechers.Sum(l => l.Engine.Stats.BlocksReceived);
        double bound = Math.Max(total / uplink, total * 16.0 / (uplink * 17));
        output.WriteLine($"{strategy}: {total / 1048576.0:F0} MiB to 16: done at {net.Now.TotalSeconds:F3} s (bound {bound:F3} s), dups {dups}/{recv} ({leechers.Sum(l => l.Engine.Stats.DupDataReceived) / 1048576.0:F1} MiB), " +
            $"seeder sent {seeder.Engine.Stats.DataSent / (double)total:F2} copies, msgs {leechers.Sum(l => l.Engine.Stats.MessagesSent) + seeder.Engine.Stats.MessagesSent}, " +
            $"simulated DH {leechers.Sum(l => l.Engine.Stats.SimulatedDontHaves)}, DH {leechers.Sum(l => l.Engine.Stats.DontHavesReceived)}, HAVE {leechers.Sum(l => l.Engine.Stats.HavesReceived)}, want-blocks {leechers.Sum(l => l.Engine.Stats.WantBlocksSent)}, wall {wall.Elapsed.TotalSeconds:F1} s");
    }
}
