using System.Net;
using System.Text.Json;

namespace Shoal.Node.Tests;

public class BitswapTransferTests
{
    internal static async Task<(DaemonProcess Seeder, DaemonProcess Leecher)> StartPairAsync(IEnumerable<string>? seederArgs = null, IEnumerable<string>? leecherArgs = null)
    {
        var seeder = await DaemonProcess.StartAsync(extraArgs: seederArgs);
        try
        {
            var leecher = await DaemonProcess.StartAsync(extraArgs: ["--bootstrap", seeder.Info.Addresses[0] + "/p2p/" + seeder.Info.Id, .. leecherArgs ?? []]);
            return (seeder, leecher);
        }
        catch
        {
            await seeder.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task File_added_on_one_daemon_is_cat_on_another_through_bitswap_and_counters_move()
    {
        var (seeder, leecher) = await StartPairAsync();
        await using var seederLease = seeder;
        await using var leecherLease = leecher;
        var bytes = DaemonTests.RandomBytes(3_000_000, 21);
        var cid = (await seeder.Api.AddAsync(new MemoryStream(bytes), "shared.bin", new AddOptions())).Hash;
        var seederBefore = await MetricsTests.ScrapeAsync(seeder.Info.Api);
        var leecherBefore = await MetricsTests.ScrapeAsync(leecher.Info.Api);

        var cat = await leecher.CliAsync("cat", cid);
        Assert.True(cat.ExitCode == 0, cat.ToString());
        Assert.Equal(bytes, cat.StdoutBytes);

        var stats = await leecher.CliAsync("stats", "bitswap", "--json");
        using var doc = JsonDocument.Parse(stats.Stdout);
        foreach (var key in new[] { "BlocksReceived", "DataReceived", "DupBlksReceived", "DupDataReceived", "BlocksSent", "DataSent", "MessagesReceived", "Wantlist", "Peers" })
            Assert.True(doc.RootElement.TryGetProperty(key, out _), $"stats bitswap --json lacks {key}");
        Assert.Equal(13, doc.RootElement.GetProperty("BlocksReceived").GetInt64()); // 12 leaves of 256 KiB + the root
        Assert.True(doc.RootElement.GetProperty("DataReceived").GetInt64() >= bytes.Length);

        var seederAfter = await MetricsTests.ScrapeAsync(seeder.Info.Api);
        var leecherAfter = await MetricsTests.ScrapeAsync(leecher.Info.Api);
        Assert.Equal(leecherBefore["shoal_bitswap_blocks_received_total"] + 13, leecherAfter["shoal_bitswap_blocks_received_total"]);
        Assert.True(leecherAfter["shoal_bitswap_data_received_bytes_total"] - leecherBefore["shoal_bitswap_data_received_bytes_total"] >= bytes.Length);
        Assert.True(seederAfter["shoal_bitswap_data_sent_bytes_total"] - seederBefore["shoal_bitswap_data_sent_bytes_total"] >= bytes.Length);
        Assert.Equal(1, leecherAfter["shoal_libp2p_connections"]);
    }

    [Fact]
    public async Task Gateway_fetches_missing_content_from_a_peer()
    {
        var (seeder, leecher) = await StartPairAsync();
        await using var seederLease = seeder;
        await using var leecherLease = leecher;
        var bytes = DaemonTests.RandomBytes(1_000_000, 22);
        var cid = (await seeder.Api.AddAsync(new MemoryStream(bytes), "g.bin", new AddOptions { Profile = "kubo-v1" })).Hash;

        using var http = new HttpClient { BaseAddress = new Uri(leecher.Info.Gateway!), Timeout = TimeSpan.FromSeconds(20) };
        using var response = await http.GetAsync($"/ipfs/{cid}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        // Fetched blocks are kept (unpinned) on the leecher.
        Assert.True((await leecher.Api.RepoStatAsync()).NumObjects >= 5);
    }
}
