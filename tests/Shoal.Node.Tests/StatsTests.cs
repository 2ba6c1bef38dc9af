using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Shoal.Core;

namespace Shoal.Node.Tests;

public partial class StatsTests
{
    [Fact]
    public async Task Stats_bitswap_json_lists_the_cids_being_fetched_in_kubo_link_shape()
    {
        var (seeder, leecher) = await BitswapTransferTests.StartPairAsync();
        await using var seederLease = seeder;
        await using var leecherLease = leecher;
        // Nobody has it, so the want stays on the wantlist while the fetch waits.
        var missing = Block.Compute("nobody has this block"u8.ToArray()).Cid;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        var fetch = leecher.Api.BlockGetAsync(missing, stop.Token);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        JsonElement wantlist = default;
        while (DateTime.UtcNow < deadline)
        {
            var stats = await leecher.CliAsync("stats", "bitswap", "--json");
            Assert.True(stats.ExitCode == 0, stats.ToString());
            wantlist = JsonDocument.Parse(stats.Stdout).RootElement.GetProperty("Wantlist").Clone();
            if (wantlist.GetArrayLength() > 0) break;
        }
        Assert.Equal(JsonValueKind.Array, wantlist.ValueKind);
        Assert.Contains(wantlist.EnumerateArray(), e => e.GetProperty("/").GetString() == missing.ToString());

        var text = await leecher.CliAsync("stats", "bitswap");
        Assert.Contains(missing.ToString(), text.Stdout);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => fetch);
    }

    [Fact]
    public async Task Stats_bw_and_metrics_count_libp2p_bytes_per_protocol()
    {
        var (seeder, leecher) = await BitswapTransferTests.StartPairAsync();
        await using var seederLease = seeder;
        await using var leecherLease = leecher;
        var bytes = DaemonTests.RandomBytes(1_500_000, 31);
        var cid = (await seeder.Api.AddAsync(new MemoryStream(bytes), "bw.bin", new AddOptions())).Hash;
        var before = await leecher.Api.BandwidthStatAsync("/ipfs/bitswap/1.2.0");

        var cat = await leecher.CliAsync("cat", cid);
        Assert.Equal(bytes, cat.StdoutBytes);

        var all = await leecher.CliAsync("stats", "bw", "--json");
        Assert.True(all.ExitCode == 0, all.ToString());
        var root = JsonDocument.Parse(all.Stdout).RootElement;
        foreach (var key in new[] { "TotalIn", "TotalOut", "RateIn", "RateOut" })
            Assert.True(root.TryGetProperty(key, out _), $"stats bw --json lacks {key}: {all.Stdout}");
        var protocols = root.GetProperty("Protocols").EnumerateArray().ToDictionary(p => p.GetProperty("Protocol").GetString()!, p => p.GetProperty("TotalIn").GetInt64());
        // The file came over Bitswap; identify ran when the daemons connected: both are counted, on the wire's side of framing.
        Assert.True(protocols["/ipfs/bitswap/1.2.0"] - before.TotalIn >= bytes.Length, all.Stdout);
        Assert.True(protocols.ContainsKey("/ipfs/id/1.0.0"), all.Stdout);
        Assert.Equal(protocols.Values.Sum(), root.GetProperty("TotalIn").GetInt64());

        var bitswapOnly = await leecher.CliAsync("stats", "bw", "--proto", "/ipfs/bitswap/1.2.0", "--json");
        var bitswapIn = JsonDocument.Parse(bitswapOnly.Stdout).RootElement.GetProperty("TotalIn").GetInt64();
        Assert.True(bitswapIn < root.GetProperty("TotalIn").GetInt64());
        var seederOut = await seeder.Api.BandwidthStatAsync("/ipfs/bitswap/1.2.0");
        Assert.True(seederOut.TotalOut >= bytes.Length);

        var leecherMetrics = await ScrapeLabelledAsync(leecher.Info.Api);
        var seederMetrics = await ScrapeLabelledAsync(seeder.Info.Api);
        Assert.True(leecherMetrics[("in", "/ipfs/bitswap/1.2.0")] >= bytes.Length);
        Assert.True(seederMetrics[("out", "/ipfs/bitswap/1.2.0")] >= bytes.Length);
    }

    [GeneratedRegex("""^shoal_libp2p_bytes_total\{direction="(?<dir>[a-z]+)",protocol="(?<proto>[^"]+)"\} (?<value>[0-9.e+-]+)$""", RegexOptions.Multiline)]
    private static partial Regex Libp2pBytesLine();

    private static async Task<Dictionary<(string, string), double>> ScrapeLabelledAsync(string apiUrl)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(apiUrl + "/metrics");
        var samples = new Dictionary<(string, string), double>();
        foreach (Match m in Libp2pBytesLine().Matches(text))
            samples[(m.Groups["dir"].Value, m.Groups["proto"].Value)] = double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        return samples;
    }
}
