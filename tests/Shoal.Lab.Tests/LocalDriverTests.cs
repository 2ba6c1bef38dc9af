using Shoal.Lab.Drivers;

namespace Shoal.Lab.Tests;

/// <summary>The local driver against real `shoal daemon` processes on loopback.</summary>
public class LocalDriverTests
{
    [Fact]
    public async Task Three_real_daemons_move_a_file_and_report_it()
    {
        var shoal = Path.Combine(AppContext.BaseDirectory, "shoal.dll");
        Assert.True(File.Exists(shoal), $"shoal.dll should be copied beside the tests ({shoal})");
        var scenario = Scenarios.Read(Scenarios.Lan(1, 2, "1MiB", bandwidth: "1Gbit", rtt: "1ms", extra: "timeout: 60s"));
        var driver = LabDrivers.Local(shoal);
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
    }
}
