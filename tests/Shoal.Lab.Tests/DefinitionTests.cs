using Shoal.Lab.Definitions;

namespace Shoal.Lab.Tests;

public class DefinitionTests
{
    [Fact]
    public void Image32_scenario_reads_as_the_seed_blogs_setup()
    {
        var s = DefinitionReader.LoadScenario(Scenarios.Shipped("image-32.yaml"));
        Assert.Equal("image-32", s.Name);
        Assert.Equal(33, s.Cluster.NodeCount);
        var image = Assert.Single(s.Objects);
        Assert.Equal(ObjectKind.Oci, image.Kind);
        Assert.Equal(300L * 1024 * 1024, image.TotalBytes);
        Assert.True(image.PartSizes.Count > 1);
        Assert.All(s.Cluster.Groups, g => Assert.Equal(1e9 / 8, g.UplinkBytesPerSecond));
        Assert.Equal(TimeSpan.FromMilliseconds(5), s.Cluster.LinkBetween("lan", "lan")!.RoundTrip);
        Assert.Equal(["bitswap-1.1", "bitswap-1.2", "shoal", "registry", "ideal"], s.Peers.Select(p => p.Strategy));
    }

    [Theory]
    [InlineData("image-32.yaml")]
    [InlineData("three-regions.yaml")]
    [InlineData("many-seeders.yaml")]
    [InlineData("churn.yaml")]
    [InlineData("staggered.yaml")]
    [InlineData("thousand.yaml")]
    [InlineData("small-4.yaml")]
    [InlineData("small-4-100m.yaml")]
    [InlineData("churn-small.yaml")]
    public void Shipped_scenarios_are_valid(string file)
        => Assert.Equal("scenario", DefinitionReader.Validate(Scenarios.Shipped(file)));

    [Fact]
    public void Bad_rate_names_the_group_field()
    {
        var yaml = Scenarios.Lan(1, 2, "1MiB").Replace("name: leechers, count: 2, labels: [leecher], region: lan, bandwidth: 100Mbit", "name: leechers, count: 2, region: lan, uplink: 1Gbt");
        var e = Assert.Throws<DefinitionException>(() => Scenarios.Read(yaml));
        Assert.Equal("cluster.groups[1].uplink", e.FieldPath);
        Assert.Contains("1Gbt", e.Message);
    }

    [Fact]
    public void Unknown_field_is_named_with_the_allowed_ones()
    {
        var yaml = Scenarios.Lan(1, 2, "1MiB").Replace("chunkSize: 256KiB", "chunksize: 256KiB");
        var e = Assert.Throws<DefinitionException>(() => Scenarios.Read(yaml));
        Assert.Equal("objects.data.chunksize", e.FieldPath);
        Assert.Contains("chunkSize", e.Message);
    }

    [Fact]
    public void Fetching_an_unknown_object_names_the_stage()
    {
        var yaml = Scenarios.Lan(1, 2, "1MiB").Replace("    objects: [data]\n", "    objects: [nothing]\n");
        var e = Assert.Throws<DefinitionException>(() => Scenarios.Read(yaml));
        Assert.Equal("fetch[0].objects", e.FieldPath);
        Assert.Contains("nothing", e.Message);
    }

    [Fact]
    public void Query_matching_no_node_is_an_error()
    {
        var yaml = Scenarios.Lan(1, 2, "1MiB").Replace("- query: leechers", "- query: \"(and seeders leechers)\"");
        var e = Assert.Throws<DefinitionException>(() => Scenarios.Read(yaml));
        Assert.Equal("fetch[0].query", e.FieldPath);
        Assert.Contains("matches no node", e.Message);
    }

    [Fact]
    public void Missing_latency_between_regions_is_an_error()
    {
        var yaml = Scenarios.Lan(1, 2, "1MiB").Replace("name: leechers, count: 2, labels: [leecher], region: lan", "name: leechers, count: 2, labels: [leecher], region: far");
        var e = Assert.Throws<DefinitionException>(() => Scenarios.Read(yaml));
        Assert.Equal("cluster.links", e.FieldPath);
        Assert.Contains("'far'", e.Message);
    }

    [Fact]
    public void Unknown_strategy_is_named_by_index()
    {
        var e = Assert.Throws<DefinitionException>(() => Scenarios.Read(Scenarios.Lan(1, 2, "1MiB", extra: "strategies: [registry, bittorrent]")));
        Assert.Equal("strategies[1]", e.FieldPath);
    }

    [Fact]
    public void P2plab_map_form_of_seed_and_fetch_is_accepted()
    {
        var yaml = Scenarios.Lan(1, 3, "1MiB")
            .Replace("seed:\n  - { query: seeders, objects: [data] }", "seed:\n  seeders: data")
            .Replace("fetch:\n  - query: leechers\n    objects: [data]", "fetch:\n  \"(not 'seeders')\": data");
        var s = Scenarios.Read(yaml);
        Assert.Equal("(not 'seeders')", s.Fetch[0].Query.Text);
        Assert.Equal(["data"], s.Fetch[0].Objects);
    }

    [Fact]
    public void Churn_join_must_follow_leave()
    {
        var e = Assert.Throws<DefinitionException>(() => Scenarios.Read(Scenarios.Lan(1, 3, "1MiB", extra: "churn:\n  - { query: leechers, leave: 2s, join: 1s }")));
        Assert.Equal("churn[0].join", e.FieldPath);
    }

    [Theory]
    [InlineData("300MiB", 300L * 1024 * 1024)]
    [InlineData("4096", 4096L)]
    [InlineData("1.5GB", 1_500_000_000L)]
    public void Sizes_parse(string text, long bytes)
    {
        Assert.True(Quantity.TryParseBytes(text, out var b));
        Assert.Equal(bytes, b);
    }

    [Theory]
    [InlineData("1Gbit", 125_000_000.0)]
    [InlineData("100Mbit/s", 12_500_000.0)]
    [InlineData("10Gbps", 1_250_000_000.0)]
    [InlineData("125MB/s", 125_000_000.0)]
    public void Rates_parse(string text, double bytesPerSecond)
    {
        Assert.True(Quantity.TryParseRate(text, out var r));
        Assert.Equal(bytesPerSecond, r, 6);
    }

    [Fact]
    public void Rate_without_unit_is_refused() => Assert.False(Quantity.TryParseRate("1000", out _));

    [Fact]
    public void Rate_update_interval_reads_and_is_bounded()
    {
        Assert.Equal(TimeSpan.Zero, Scenarios.Read(Scenarios.Lan(1, 2, "1MiB")).RateUpdateInterval);
        Assert.Equal(TimeSpan.FromMicroseconds(50), Scenarios.Read(Scenarios.Lan(1, 2, "1MiB", extra: "rateUpdateInterval: 50us")).RateUpdateInterval);
        var e = Assert.Throws<DefinitionException>(() => Scenarios.Read(Scenarios.Lan(1, 2, "1MiB", extra: "rateUpdateInterval: 5ms")));
        Assert.Equal("rateUpdateInterval", e.FieldPath);
    }
}
