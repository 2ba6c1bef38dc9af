using System.Diagnostics;
using System.Text.RegularExpressions;
using Shoal.Lab.Drivers;
using Shoal.Lab.Reports;

namespace Shoal.Lab.Tests;

/// <summary>
/// The local driver's kernel links: real daemons in network namespaces on a bridge, links shaped by tc. These need root and
/// iproute2 (the test machine has both); they fail, not skip, when kernel links cannot be set up.
/// </summary>
[Collection(LocalDaemons.Collection)]
public class KernelLinkTests
{
    private static string Shoal()
    {
        var shoal = Path.Combine(AppContext.BaseDirectory, "shoal.dll");
        Assert.True(File.Exists(shoal), $"shoal.dll should be copied beside the tests ({shoal})");
        return shoal;
    }

    private static void RequireKernelLinks() => Assert.True(KernelNetwork.Unavailable() is null, $"kernel links are needed here: {KernelNetwork.Unavailable()}");

    private static string RunTool(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    [Fact]
    public async Task Every_block_crosses_the_shaped_veths_and_the_run_leaves_no_namespace_or_link()
    {
        RequireKernelLinks();
        var scenario = Scenarios.Read(Scenarios.Lan(1, 2, "4MiB", bandwidth: "100Mbit", rtt: "1ms", extra: "timeout: 50s"));
        var measured = new List<TrialLinkCounters>();
        var qdiscs = new List<string>();
        var driver = new DaemonDriver(new LocalLauncher(Shoal()), "local", LinkModel.Kernel)
        {
            LinksMeasured = c =>
            {
                measured.Add(c);
                // While the network exists: each node's upload (its veth, in its namespace) and download (the bridge side) are tbf at the group's rate.
                for (var i = 0; i < c.Nodes.Count; i++)
                {
                    qdiscs.Add(RunTool("tc", "-n", $"{KernelNetwork.NamespacePrefix}{c.Tag}-n{i}", "qdisc", "show", "dev", "lan"));
                    qdiscs.Add(RunTool("tc", "qdisc", "show", "dev", $"{KernelNetwork.LinkPrefix}{c.Tag}d{i}"));
                }
            },
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(55));
        var output = await driver.RunAsync(scenario, new ExperimentOptions { Strategies = ["bitswap-1.2"], Traces = false }, null, cts.Token);

        var run = LocalDaemons.AssertSingleRun(driver, output, LinkModel.Kernel, completed: 2);
        var links = Assert.Single(measured);
        Assert.Equal(6, qdiscs.Count);
        Assert.All(qdiscs, q => Assert.Matches(@"qdisc tbf 1: root .*rate 100Mbit", q));

        const long inFlight = 1024 * 1024; // a block or two a daemon had written to its socket but not yet onto the link
        foreach (var node in run.Nodes)
        {
            var c = links.Nodes.Single(l => l.Node == node.Name);
            // Every block a daemon received came in through its download qdisc (counters are read after its stats).
            Assert.True(c.DownloadBytes >= node.DataIn, $"{node.Name}: {c.DownloadBytes} bytes on its shaped downlink < {node.DataIn} block bytes received");
            // And little else went over its links: the content read back through the API (4 MiB per leecher) takes the unshaped
            // management bridge. The slack is framing (TCP/IP, Ethernet, Noise, Yamux: ~5 %), ACKs and Bitswap's control messages.
            Assert.True(c.UploadBytes <= node.DataOut * 1.10 + inFlight, $"{node.Name}: {c.UploadBytes} bytes up for {node.DataOut} block bytes sent");
            Assert.True(c.DownloadBytes <= node.DataIn * 1.10 + inFlight, $"{node.Name}: {c.DownloadBytes} bytes down for {node.DataIn} block bytes received");
        }
        var seeder = run.Nodes.Single(n => n.Role == "seeder");
        var seederLink = links.Nodes.Single(l => l.Node == seeder.Name);
        Assert.True(seederLink.UploadBytes >= seeder.DataOut - inFlight, $"the seeder's uplink carried {seederLink.UploadBytes} bytes for {seeder.DataOut} block bytes sent");
        // Every block received crossed its sender's uplink too.
        var up = links.Nodes.Sum(c => c.UploadBytes);
        var down = links.Nodes.Sum(c => c.DownloadBytes);
        Assert.True(up >= run.Nodes.Sum(n => n.DataIn), $"uplinks carried {up} bytes for {run.Nodes.Sum(n => n.DataIn)} block bytes received");
        Assert.True(down >= 8L * 1024 * 1024, "two leechers got 4 MiB each over the shaped links");
        // What leaves one node's uplink enters another's downlink, unless a downlink queue dropped it (a packet is at most a
        // 64 KiB GSO packet), give or take what moved while the counters were read one link after another.
        var dropped = links.Nodes.Sum(c => c.DownloadDrops) * 65536L;
        Assert.True(down <= up + inFlight && up - down <= dropped + inFlight, $"uplinks carried {up} bytes, downlinks {down}, {dropped} bytes at most dropped");

        Assert.Empty(KernelNetwork.Leftovers(links.Tag));
        Assert.False(File.Exists(Path.Combine(KernelNetwork.StateDirectory, links.Tag + ".lock")));
    }

    /// <summary>`shoal lab run` on kernel links, as a child process, read until its daemons are fetching: 16 MiB at 1 Mbit/s
    /// takes two minutes, so the run is surely still going when the test stops it.</summary>
    private sealed class SlowRun : IAsyncDisposable
    {
        private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("shoal-lab-stopped-");
        public Process Cli { get; private set; } = null!;
        public string Tag { get; private set; } = "";
        public List<int> Daemons { get; } = [];

        public async Task StartAsync(CancellationToken ct)
        {
            var file = Path.Combine(_dir.FullName, "slow.yaml");
            await File.WriteAllTextAsync(file, Scenarios.Lan(1, 1, "16MiB", bandwidth: "1Mbit", rtt: "1ms", extra: "timeout: 10m"), ct);
            // Through `env --default-signal=INT`: a test run started in the background by a non-interactive shell inherits
            // SIGINT ignored, and .NET leaves an ignored SIGINT ignored (as nohup wants), so Ctrl-C would never reach the CLI.
            var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--default-signal=INT", "dotnet", Shoal(), "lab", "run", file, "--driver", "local", "--links", "kernel", "-s", "shoal", "--no-traces", "--out", Path.Combine(_dir.FullName, "out") })
                psi.ArgumentList.Add(a);
            Cli = Process.Start(psi)!;
            Cli.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_errors) _errors.AppendLine(e.Data); };
            Cli.BeginErrorReadLine();
            while (await Cli.StandardOutput.ReadLineAsync(ct) is { } line)
            {
                var m = Regex.Match(line, @"links kernel: namespaces shoal-lab-([0-9a-f]{6})-n\*");
                if (m.Success) Tag = m.Groups[1].Value;
                if (line.Contains("shoal #0: fetching", StringComparison.Ordinal)) break;
            }
            Assert.Matches("^[0-9a-f]{6}$", Tag);
            Daemons.AddRange(Enumerable.Range(0, 2).SelectMany(i => KernelNetwork.ProcessesIn($"{KernelNetwork.NamespacePrefix}{Tag}-n{i}")));
            Assert.Equal(2, Daemons.Count);
            // Drain the rest so the child never blocks on a full pipe; kept for a failure message.
            _rest = Cli.StandardOutput.ReadToEndAsync(CancellationToken.None);
        }

        private Task<string>? _rest;
        private readonly System.Text.StringBuilder _errors = new();

        private string ErrorsSoFar() { lock (_errors) return _errors.ToString(); }

        /// <summary>Waits for the CLI to exit; if it does not, fails with what it printed and which of its daemons still run.</summary>
        public async Task WaitForExitAsync(CancellationToken ct)
        {
            try { await Cli.WaitForExitAsync(ct); }
            catch (OperationCanceledException)
            {
                var alive = Daemons.Where(pid => { try { using var p = Process.GetProcessById(pid); return !p.HasExited; } catch (ArgumentException) { return false; } }).ToList();
                Cli.Kill(entireProcessTree: true);
                var printed = _rest is { } r && await Task.WhenAny(r, Task.Delay(5_000, CancellationToken.None)) == r ? r.Result : "(output not complete)";
                Assert.Fail($"`shoal lab run` did not exit; daemons still running: [{string.Join(", ", alive)}]; it printed after fetching began:\n{printed}\nand on stderr:\n{ErrorsSoFar()}");
            }
        }

        public void AssertDaemonsGone()
        {
            foreach (var pid in Daemons)
            {
                try
                {
                    using var p = Process.GetProcessById(pid);
                    Assert.True(p.HasExited, $"daemon {pid} still runs");
                }
                catch (ArgumentException) { } // gone
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Cli is { HasExited: false }) { Cli.Kill(entireProcessTree: true); await Cli.WaitForExitAsync(); }
            if (Tag.Length > 0) KernelNetwork.RemoveStale();
            Cli?.Dispose();
            _dir.Delete(true);
        }
    }

    [Fact]
    public async Task A_killed_run_leaves_namespaces_that_the_next_run_removes_with_their_daemons()
    {
        RequireKernelLinks();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        await using var run = new SlowRun();
        await run.StartAsync(cts.Token);

        run.Cli.Kill(entireProcessTree: false); // SIGKILL: no cleanup runs; its daemons live on in their namespaces
        await run.Cli.WaitForExitAsync(cts.Token);
        Assert.NotEmpty(KernelNetwork.Leftovers(run.Tag));

        KernelNetwork.RemoveStale();
        Assert.Empty(KernelNetwork.Leftovers(run.Tag));
        // Its daemons' repositories go too (the next local run sweeps them).
        var repos = Path.Combine(Path.GetTempPath(), $"shoal-lab-{run.Cli.Id}-");
        Assert.Contains(Directory.EnumerateDirectories(Path.GetTempPath(), "shoal-lab-*"), d => d.StartsWith(repos, StringComparison.Ordinal));
        LocalLauncher.RemoveStaleRepositories();
        Assert.DoesNotContain(Directory.EnumerateDirectories(Path.GetTempPath(), "shoal-lab-*"), d => d.StartsWith(repos, StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(KernelNetwork.StateDirectory, run.Tag + ".lock")));
        run.AssertDaemonsGone();
    }

    [Fact]
    public async Task Ctrl_C_ends_the_run_after_removing_its_namespaces_links_and_daemons()
    {
        RequireKernelLinks();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        await using var run = new SlowRun();
        await run.StartAsync(cts.Token);

        using (var kill = Process.Start("kill", ["-INT", run.Cli.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync(cts.Token);
        await run.WaitForExitAsync(cts.Token);
        Assert.NotEqual(0, run.Cli.ExitCode); // interrupted, not finished
        Assert.Empty(KernelNetwork.Leftovers(run.Tag));
        Assert.False(File.Exists(Path.Combine(KernelNetwork.StateDirectory, run.Tag + ".lock")));
        run.AssertDaemonsGone();
    }

    [Fact]
    public void Kernel_links_say_what_is_missing()
    {
        var empty = Directory.CreateTempSubdirectory("shoal-lab-nopath-");
        try
        {
            var reason = KernelNetwork.Unavailable(empty.FullName);
            Assert.NotNull(reason);
            Assert.Contains(Environment.IsPrivilegedProcess ? "`ip` (iproute2)" : "need root", reason);
        }
        finally { empty.Delete(); }
        Assert.Equal(LinkModel.Kernel, LinkModels.Parse("kernel"));
        Assert.Null(LinkModels.Parse("auto"));
        Assert.Contains("unknown link model 'fast'", Assert.Throws<ArgumentException>(() => LinkModels.Parse("fast")).Message);
    }
}

/// <summary>Tests that run real daemons share the machine one at a time (and a stale-run sweep never races another test's run).</summary>
[CollectionDefinition(Collection)]
public sealed class LocalDaemons
{
    public const string Collection = "local daemons";

    /// <summary>The driver ran on <paramref name="links"/> (and its report says so) one trial that failed nowhere and
    /// completed <paramref name="completed"/> fetches; returns that trial.</summary>
    public static TrialResult AssertSingleRun(DaemonDriver driver, ExperimentOutput output, LinkModel links, int completed)
    {
        Assert.Equal(links, driver.Links);
        var note = links == LinkModel.Kernel ? "links kernel:" : "links shell:";
        Assert.Contains(output.Result.Notes, n => n.StartsWith(note, StringComparison.Ordinal));
        var run = Assert.Single(output.Result.Runs);
        Assert.Null(run.Failure);
        Assert.Equal(completed, run.Completed);
        return run;
    }
}
