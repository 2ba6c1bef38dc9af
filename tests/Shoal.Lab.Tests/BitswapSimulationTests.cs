using System.Security.Cryptography;
using Shoal.Core;
using Shoal.Lab.Content;
using Shoal.Lab.Drivers;
using Shoal.Lab.Reports;
using Shoal.Lab.Simulation;
using Shoal.Lab.Strategies;

namespace Shoal.Lab.Tests;

/// <summary>The real Shoal.Bitswap engine hosted by the simulator.</summary>
public class BitswapSimulationTests
{
    [Theory]
    [InlineData("bitswap-1.1")]
    [InlineData("bitswap-1.2")]
    [InlineData("shoal")]
    public async Task Every_leecher_reassembles_the_exact_bytes(string strategy)
    {
        var scenario = Scenarios.Read(Scenarios.Lan(1, 5, "2MiB, 1MiB", bandwidth: "1Gbit", rtt: "2ms", objectType: "oci"));
        var catalog = new UnixFsCatalogBuilder().Build(scenario.Objects, scenario.RandomSeed);
        var peer = SimDriver.SelectTrials(scenario, [strategy])[0];
        var run = new SimulationRun(scenario, catalog, StrategyCatalog.Create(peer), peer, scenario.RandomSeed);
        var result = run.Run();
        Assert.Null(result.Failure);
        Assert.Equal(5, result.Completed);
        foreach (var host in run.Hosts.Where(h => h.Name.StartsWith("leechers", StringComparison.Ordinal)))
        {
            var store = new MemoryBlockStore();
            foreach (var block in catalog.Blocks)
                if (host.Store.Has(block.Id)) await store.PutAsync(block.Block!);
            foreach (var part in catalog.Parts)
            {
                using var got = new MemoryStream();
                await new UnixFsReader(store).CopyToAsync(catalog[part.RootId].Block!.Cid, got);
                using var expected = UnixFsCatalogBuilder.PartContent(scenario.RandomSeed, part.Name, part.Size);
                Assert.Equal(part.Size, got.Length);
                Assert.Equal(SHA256.HashData(expected), SHA256.HashData(got.ToArray()));
            }
        }
        var node = result.Nodes.First(n => n.Role == "leecher");
        Assert.True(node.BlocksReceived >= catalog.Parts.Sum(p => p.BlockIds.Length));
        Assert.True(result.Nodes.First(n => n.Role == "seeder").DataOut > 0);
    }

    [Fact]
    public void Bitswap_runs_are_deterministic()
    {
        var yaml = Scenarios.Lan(1, 4, "1MiB", bandwidth: "1Gbit", rtt: "2ms", extra: "churn:\n  - { query: \"(random 1 leechers)\", leave: 5ms, join: 30ms }");
        string Once(int parallel) => JsonReport.Serialize(new SimDriver().Run(Scenarios.Read(yaml), new ExperimentOptions { Strategies = ["bitswap-1.2", "shoal"], Repetitions = 2, Parallelism = parallel }).Result, includeHost: false);
        // Trials and repetitions simulated side by side give exactly what they give one after another.
        var a = Once(1);
        Assert.Equal(a, Once(4));
        Assert.DoesNotContain("timed out", a);
    }

    [Fact]
    public void Peer_ids_are_stable_per_node_name()
    {
        Assert.Equal(BitswapSimStrategy.PeerIdOf("leechers-3"), BitswapSimStrategy.PeerIdOf("leechers-3"));
        Assert.NotEqual(BitswapSimStrategy.PeerIdOf("leechers-3"), BitswapSimStrategy.PeerIdOf("leechers-4"));
    }
}
