using Shoal.Lab.Analysis;
using Shoal.Lab.Content;
using Shoal.Lab.Drivers;
using Shoal.Lab.Reports;
using Shoal.Lab.Simulation;
using Shoal.Lab.Strategies;

namespace Shoal.Lab.Tests;

public class SimulationTests
{
    private static ExperimentOutput Run(string yaml, params string[] strategies)
        => new SimDriver().Run(Scenarios.Read(yaml), new ExperimentOptions { Strategies = strategies });

    [Fact]
    public void Bound_of_image32_is_one_copy_over_the_seeders_uplink_plus_a_round_trip()
    {
        var s = Definitions.DefinitionReader.LoadScenario(Scenarios.Shipped("image-32.yaml"));
        var b = LowerBound.Compute(s, ContentCatalog.Synthetic(s.Objects), s.RandomSeed);
        var expected = 300.0 * 1024 * 1024 / (1e9 / 8) + 0.005;
        Assert.Equal(expected, b.Seconds, 6);
        // With 32 leechers of equal uplink, the swarm term is 32F/(33u): just below one copy's time.
        Assert.Equal(32 * 300.0 * 1024 * 1024 / (33 * 1e9 / 8) + 0.005, b.Terms["swarm upload"], 6);
    }

    [Fact]
    public void Bound_uses_the_swarm_term_when_leechers_upload_slowly()
    {
        // 1 seeder at 100 Mbit; 4 leechers with 100 Mbit down but 10 Mbit up: total demand 4F over 140 Mbit.
        var yaml = Scenarios.Lan(1, 4, "10MB", rtt: "0ms").Replace("name: leechers, count: 4, labels: [leecher], region: lan, bandwidth: 100Mbit", "name: leechers, count: 4, labels: [leecher], region: lan, uplink: 10Mbit, downlink: 100Mbit");
        var s = Scenarios.Read(yaml);
        var b = LowerBound.Compute(s, ContentCatalog.Synthetic(s.Objects), s.RandomSeed);
        Assert.Equal("swarm upload", b.Binding);
        Assert.Equal(4 * 10e6 / (140e6 / 8), b.Seconds, 6);
    }

    [Fact]
    public void Registry_time_matches_the_analytic_value()
    {
        // 6 leechers, one 20 MB layer, registry uplink 300 Mbit shared max-min fairly: 50 Mbit each (below the 100 Mbit downlinks).
        var output = Run(Scenarios.Lan(1, 6, "20MB", bandwidth: "100Mbit", rtt: "10ms", registry: "300Mbit", objectType: "oci"), "registry");
        var run = Assert.Single(output.Result.Runs);
        var rtt = 0.010;
        var setup = (RegistryStrategy.ConnectionSetupRoundTrips + RegistryStrategy.ManifestRoundTrips + RegistryStrategy.ConnectionSetupRoundTrips) * rtt;
        // Request: one-way latency plus its serialization; response: its wire size at 50 Mbit plus one-way latency.
        var request = rtt / 2 + WireFraming.Https(WireFraming.HttpRequestBytes - WireFraming.HttpResponseHeaders) / (100e6 / 8);
        var response = WireFraming.Https(20_000_000) / (50e6 / 8) + rtt / 2;
        var expected = setup + request + response;
        Assert.Equal(6, run.Completed);
        Assert.All(run.Nodes.Where(n => n.Role == "leecher"), n => Assert.Equal(expected, n.Finish!.Value, 3));
    }

    [Fact]
    public void Perfect_schedule_from_one_seeder_reaches_the_bound_within_5_percent()
    {
        var output = Run(Scenarios.Lan(1, 8, "32MiB", bandwidth: "1Gbit", rtt: "2ms", chunk: "64KiB"), "ideal");
        var r = output.Result;
        var run = Assert.Single(r.Runs);
        Assert.Equal(8, run.Completed);
        // Compare like with like: the bound counts payload, the link carries framing (Yamux, Noise, TCP/IP) too.
        var framing = WireFraming.Libp2p(64 * 1024 + 48) / (double)(64 * 1024);
        var bound = (r.Bound.Seconds - 0.002) * framing + 0.002;
        Assert.InRange(run.TotalTime, bound, bound * 1.05);
    }

    [Theory]
    [InlineData("registry")]
    [InlineData("ideal")]
    public void Small_scenario_completes_for_every_leecher(string strategy)
    {
        var output = Run(Scenarios.Lan(1, 6, "4MiB", objectType: "oci"), strategy);
        var run = Assert.Single(output.Result.Runs);
        Assert.Null(run.Failure);
        Assert.Equal(6, run.Fetchers);
        Assert.Equal(6, run.Completed);
        Assert.All(run.Nodes.Where(n => n.Role == "leecher"), n => Assert.True(n.Verified));
    }

    [Fact]
    public void Same_seed_gives_the_same_report_byte_for_byte()
    {
        var yaml = Scenarios.Lan(2, 6, "3MiB", extraFetch: "    stagger: 30ms", extra: "churn:\n  - { query: \"(random 2 leechers)\", leave: 100ms, join: 300ms }");
        var a = JsonReport.Serialize(Run(yaml, "registry", "ideal").Result, includeHost: false);
        var b = JsonReport.Serialize(Run(yaml, "registry", "ideal").Result, includeHost: false);
        Assert.Equal(a, b);
        Assert.Contains("\"completed\": 6", a);
    }

    [Fact]
    public void Staggered_fetchers_start_one_stagger_apart()
    {
        var output = Run(Scenarios.Lan(1, 4, "1MiB", extraFetch: "    stagger: 250ms"), "registry");
        var starts = output.Result.Runs[0].Nodes.Where(n => n.Role == "leecher").Select(n => n.Start!.Value).ToArray();
        Assert.Equal([0, 0.25, 0.5, 0.75], starts.Select(s => Math.Round(s, 6)));
    }

    [Fact]
    public void A_node_that_leaves_for_good_is_not_waited_for()
    {
        var output = Run(Scenarios.Lan(1, 4, "8MiB", extra: "churn:\n  - { query: leechers-0, leave: 10ms }"), "registry");
        var run = output.Result.Runs[0];
        Assert.Null(run.Failure);
        Assert.Equal(3, run.Completed);
        Assert.Null(run.Nodes.Single(n => n.Name == "leechers-0").Finish);
    }

    [Fact]
    public void Report_files_are_written()
    {
        var output = Run(Scenarios.Lan(1, 3, "2MiB"), "registry", "ideal");
        var dir = Path.Combine(Path.GetTempPath(), "shoal-lab-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = ReportWriter.WriteAll(output, dir);
            foreach (var f in new[] { "report.md", "report.json", "completion-cdf.png", "throughput.png", "upload-per-node.png", "trace-ideal.json", "flame-ideal.svg" })
            {
                Assert.Contains(f, files);
                Assert.True(new FileInfo(Path.Combine(dir, f)).Length > 100, f);
            }
            var md = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("| QUERY | NODE | TOTALIN | TOTALOUT | RATEIN | RATEOUT |", md);
            Assert.Contains("BLOCKSRECV | BLOCKSSENT | DUPBLOCKS | DATARECV | DATASENT | DUPDATA", md);
            using var trace = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "trace-ideal.json")));
            Assert.True(trace.RootElement.GetProperty("traceEvents").GetArrayLength() > 10);
            var back = JsonReport.Load(Path.Combine(dir, "report.json"));
            Assert.Equal(output.Result.Summaries.Count, back.Summaries.Count);
        }
        finally { Directory.Delete(dir, true); }
    }
}
