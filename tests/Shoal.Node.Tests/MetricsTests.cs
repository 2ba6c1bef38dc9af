using System.Globalization;
using System.Text.RegularExpressions;

namespace Shoal.Node.Tests;

public partial class MetricsTests
{
    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (?<value>[0-9.e+-]+)$", RegexOptions.Multiline)]
    private static partial Regex SampleLine();

    internal static async Task<Dictionary<string, double>> ScrapeAsync(string apiUrl)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(apiUrl + "/metrics");
        var samples = new Dictionary<string, double>();
        foreach (Match m in SampleLine().Matches(text))
        {
            var name = m.Groups["name"].Value;
            samples[name] = samples.GetValueOrDefault(name) + double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return samples;
    }

    [Fact]
    public async Task Metrics_expose_bitswap_and_store_counters_that_move_with_adds()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        var before = await ScrapeAsync(daemon.Info.Api);
        foreach (var name in new[] { "shoal_bitswap_blocks_received_total", "shoal_bitswap_data_sent_bytes_total", "shoal_bitswap_dup_blocks_received_total",
                     "shoal_bitswap_messages_received_total", "shoal_bitswap_wantlist_size", "shoal_bitswap_peers", "shoal_bitswap_sessions",
                     "shoal_libp2p_connections", "shoal_libp2p_streams", "shoal_dht_routing_table_peers" })
            Assert.True(before.ContainsKey(name), $"/metrics lacks {name}");

        await daemon.Api.AddAsync(new MemoryStream(DaemonTests.RandomBytes(300_000, 3)), "m.bin", new AddOptions());
        var after = await ScrapeAsync(daemon.Info.Api);
        Assert.Equal(before.GetValueOrDefault("shoal_blockstore_puts_total") + 3, after["shoal_blockstore_puts_total"]); // 2 leaves + root
        Assert.Equal(before.GetValueOrDefault("shoal_add_bytes_total") + 300_000, after["shoal_add_bytes_total"]);
    }
}
