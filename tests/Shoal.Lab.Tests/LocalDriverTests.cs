using Shoal.Lab.Drivers;

namespace Shoal.Lab.Tests;

/// <summary>The local driver against real `shoal daemon` processes (kernel links when the machine allows, else loopback).</summary>
[Collection(LocalDaemons.Collection)]
public class LocalDriverTests
{
    private static string Shoal()
    {
        var shoal = Path.Combine(AppContext.BaseDirectory, "shoal.dll");
        Assert.True(File.Exists(shoal), $"shoal.dll should be copied beside the tests ({shoal})");
        return shoal;
    }

    [Fact]
    public async Task Three_real_daemons_move_a_file_and_report_it_with_their_cpu_samples()
    {
        var scenario = Scenarios.Read(Scenarios.Lan(1, 2, "1MiB", bandwidth: "1Gbit", rtt: "1ms", extra: "timeout: 60s"));
        var driver = LabDrivers.Local(Shoal());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var output = await driver.RunAsync(scenario, new ExperimentOptions { Strategies = ["shoal"] }, null, cts.Token);
        var run = Assert.Single(output.Result.Runs);
        Assert.Null(run.Failure);
        Assert.Equal("local", run.Driver);
        Assert.Equal(2, run.Completed);
        var leechers = run.Nodes.Where(n => n.Role == "leecher").ToList();
        Assert.All(leechers, n => Assert.True(n.Verified));
        Assert.All(leechers, n => Assert.True(n.Finish >= n.Start));
        Assert.All(leechers, n => Assert.True(n.DataIn >= 1024 * 1024, $"{n.Name} received {n.DataIn} block bytes"));
        Assert.True(run.Nodes.Single(n => n.Role == "seeder").DataOut > 0);

        // EventPipe samples of every daemon, folded under the node's name, with resolved method names.
        var profile = output.Artifacts["shoal"].Profile;
        Assert.All(run.Nodes, n => Assert.Contains(profile.Keys, k => k.StartsWith(n.Name + ";", StringComparison.Ordinal)));
        Assert.Contains(profile.Keys, k => k.Contains("Shoal.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Shell_links_pace_each_daemons_blocks_at_its_groups_bandwidth()
    {
        // 4 MiB per leecher through a 20 Mbit/s download cap takes 1.68 s (loopback alone: well under 0.2 s). The download
        // pacer lets a message that arrives on an idle link through at once (its sender's uplink already took that long), so
        // allow one 256 KiB block (0.1 s) and some slack below that.
        var scenario = Scenarios.Read(Scenarios.Lan(1, 2, "4MiB", bandwidth: "20Mbit", rtt: "1ms", extra: "timeout: 60s"));
        var driver = new DaemonDriver(new LocalLauncher(Shoal()), "local", LinkModel.Shell);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var output = await driver.RunAsync(scenario, new ExperimentOptions { Strategies = ["shoal"], Traces = false }, null, cts.Token);
        var run = LocalDaemons.AssertSingleRun(driver, output, LinkModel.Shell, completed: 2);
        const double capped = 4.0 * 1024 * 1024 / (20e6 / 8);
        foreach (var n in run.Nodes.Where(n => n.Role == "leecher"))
        {
            Assert.True(n.Verified);
            Assert.True(n.Finish - n.Start >= capped - 0.3, $"{n.Name} fetched 4 MiB in {n.Finish - n.Start:0.000} s, faster than its {capped:0.00} s link allows");
        }
    }

    [Fact]
    public async Task A_leecher_killed_mid_run_rejoins_with_its_repository_and_finishes()
    {
        var scenario = Scenarios.Read(Scenarios.Lan(1, 2, "2MiB", bandwidth: "1Gbit", rtt: "1ms",
            extra: "timeout: 60s\nchurn:\n  - { query: leechers-1, leave: 50ms, join: 500ms }"));
        var driver = LabDrivers.Local(Shoal());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var output = await driver.RunAsync(scenario, new ExperimentOptions { Strategies = ["shoal"], Traces = false }, null, cts.Token);
        var run = Assert.Single(output.Result.Runs);
        Assert.Null(run.Failure);
        Assert.Equal(2, run.Fetchers);
        Assert.Equal(2, run.Completed);
        var rejoined = run.Nodes.Single(n => n.Name == "leechers-1");
        Assert.True(rejoined.Verified);
        Assert.True(rejoined.Finish > 0.5, $"leechers-1 finished at {rejoined.Finish} s, before it rejoined");
    }
}
