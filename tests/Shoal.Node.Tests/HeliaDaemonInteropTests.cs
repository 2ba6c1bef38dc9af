using System.Security.Cryptography;
using Shoal.Interop.Tests;

namespace Shoal.Node.Tests;

/// <summary>A real Helia peer (interop/bitswap-peer.mjs: Helia 7, js-libp2p TCP + Noise + Yamux) and a real `shoal daemon` process.</summary>
public class HeliaDaemonInteropTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Helia_fetches_from_a_shoal_daemon_and_the_daemon_fetches_from_helia()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        await using var helia = await JsPeer.StartScriptAsync("bitswap-peer.mjs");
        using var dir = new TempDir();

        // Daemon → Helia: a file added to the daemon (Kubo's default layout) is read by Helia over Bitswap.
        var fromDaemon = DaemonTests.RandomBytes(2_500_000, 91);
        var added = await daemon.Api.AddAsync(new MemoryStream(fromDaemon), "d.bin", new AddOptions());
        var dialed = await helia.SendAsync("dial", new { addr = $"{daemon.Info.Addresses[0]}/p2p/{daemon.Info.Id}" });
        Assert.Equal(daemon.Info.Id, dialed.GetProperty("peerId").GetString());
        var cat = await helia.SendAsync("cat", new { cid = added.Hash, timeoutMs = 40_000 }, Timeout);
        Assert.Equal(fromDaemon.Length, cat.GetProperty("size").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(fromDaemon)), cat.GetProperty("sha256").GetString());

        // Helia → daemon: a file added to Helia (its own layout: CIDv1, raw leaves, 1 MiB chunks) is fetched with `shoal get`.
        var fromHelia = DaemonTests.RandomBytes(3_000_000, 92);
        var source = dir.Combine("h.bin");
        await File.WriteAllBytesAsync(source, fromHelia);
        var heliaAdd = await helia.SendAsync("add", new { path = source, profile = "helia" }, Timeout);
        var heliaCid = heliaAdd.GetProperty("cid").GetString()!;
        var target = dir.Combine("got.bin");
        var get = await daemon.CliAsync("get", heliaCid, "-o", target);
        Assert.True(get.ExitCode == 0, get.ToString() + "\nhelia stderr:\n" + helia.StandardError);
        Assert.Equal(fromHelia, await File.ReadAllBytesAsync(target));

        // The daemon counted what it served and received from Helia.
        BitswapStatResult stats;
        try { stats = await daemon.Api.BitswapStatAsync(); }
        catch (ShoalApiException e)
        {
            // Failed once in a full parallel run ("disposed": the daemon's Bitswap loop had ended); keep the daemon's own account.
            try { await daemon.StopAsync(); } catch (TimeoutException) { }
            throw new Xunit.Sdk.XunitException($"stats/bitswap failed: {e.Message}\ndaemon stderr:\n{await daemon.StderrAsync()}");
        }
        Assert.True(stats.BlocksReceived >= 3 && stats.DataReceived >= fromHelia.Length, $"{stats}");
        Assert.True(stats.DataSent >= fromDaemon.Length, $"{stats}");
        Assert.Contains(helia.PeerId.ToString(), stats.Peers);
    }
}
