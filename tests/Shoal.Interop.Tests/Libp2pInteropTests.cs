using System.Security.Cryptography;
using System.Text;
using Shoal.Net;

namespace Shoal.Interop.Tests;

/// <summary>Shoal's libp2p stack against a real js-libp2p node (the stack Helia uses), both directions.</summary>
public class Libp2pInteropTests
{
    private const string Echo = "/shoal-test/echo/1.0.0";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static async Task<P2pHost> StartShoalAsync()
    {
        var host = new P2pHost(new HostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], AgentVersion = "shoal-interop/1.0" });
        host.SetStreamHandler(Echo, EchoAsync);
        await host.StartAsync();
        return host;
    }

    private static async Task EchoAsync(IP2pStream stream, CancellationToken ct)
    {
        while (true)
        {
            var result = await stream.Input.ReadAsync(ct);
            foreach (var segment in result.Buffer) await stream.Output.WriteAsync(segment, ct);
            stream.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        await stream.CloseWriteAsync(ct);
    }

    private static async Task<byte[]> ReadToEndAsync(IP2pStream stream)
    {
        using var ms = new MemoryStream();
        while (true)
        {
            var result = await stream.Input.ReadAsync();
            foreach (var segment in result.Buffer) ms.Write(segment.Span);
            stream.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        return ms.ToArray();
    }

    [Fact]
    public async Task Deterministic_seed_gives_the_same_peer_id_in_js_and_Shoal()
    {
        await using var js = await JsPeer.StartAsync("--seed", "shoal-interop");
        var shoal = Identity.FromSeed(SHA256.HashData(Encoding.UTF8.GetBytes("shoal-interop")));
        Assert.Equal(js.PeerId, shoal.PeerId);
        Assert.StartsWith("12D3KooW", js.PeerId.ToString());
    }

    [Fact]
    public async Task Shoal_dials_js_pings_identifies_and_echoes()
    {
        await using var js = await JsPeer.StartAsync();
        await using var shoal = await StartShoalAsync();

        Assert.Equal(js.PeerId, await shoal.ConnectAsync(js.TcpAddress).WaitAsync(Timeout));
        var rtts = await PingService.PingAsync(shoal, js.PeerId, 3).WaitAsync(Timeout);
        Assert.Equal(3, rtts.Count);

        var identify = await IdentifyService.IdentifyAsync(shoal, js.PeerId).WaitAsync(Timeout);
        Assert.Equal(js.PeerId, identify.PeerId);
        Assert.StartsWith("js-libp2p", identify.AgentVersion);
        Assert.Contains(PingService.ProtocolId, identify.Protocols);
        Assert.Contains(Echo, identify.Protocols);
        Assert.Contains(js.TcpAddress.WithoutPeerId(), identify.ListenAddresses);

        await using var stream = await shoal.OpenStreamAsync(js.PeerId, [Echo]).WaitAsync(Timeout);
        var reading = ReadToEndAsync(stream);
        var data = Encoding.UTF8.GetBytes("hello from shoal");
        await stream.Output.WriteAsync(data);
        await stream.CloseWriteAsync();
        Assert.Equal(data, await reading.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Js_dials_Shoal_pings_and_reports_Shoal_identify()
    {
        await using var shoal = await StartShoalAsync();
        await using var js = await JsPeer.StartAsync("--no-listen");
        var address = shoal.ListenAddresses[0].WithPeerId(shoal.LocalPeer).ToString();

        var dial = await js.SendAsync("dial", new { addr = address });
        Assert.Equal(shoal.LocalPeer.ToString(), dial.GetProperty("peerId").GetString());

        var ping = await js.SendAsync("ping", new { target = address, count = 3 });
        Assert.Equal(3, ping.GetProperty("rtts").GetArrayLength());

        var id = await js.SendAsync("identify", new { peer = shoal.LocalPeer.ToString() });
        Assert.Equal(shoal.LocalPeer.ToString(), id.GetProperty("peerId").GetString());
        Assert.Equal("shoal-interop/1.0", id.GetProperty("agentVersion").GetString());
        var protocols = id.GetProperty("protocols").EnumerateArray().Select(p => p.GetString()).ToArray();
        Assert.Contains(IdentifyService.ProtocolId, protocols);
        Assert.Contains(PingService.ProtocolId, protocols);
        Assert.Contains(Echo, protocols);
        var listen = id.GetProperty("listenAddrs").EnumerateArray().Select(a => a.GetString()).ToArray();
        Assert.Contains(listen, a => a!.StartsWith(shoal.ListenAddresses[0].ToString(), StringComparison.Ordinal));

        // Shoal identified js too, on connect.
        Assert.Contains(js.PeerId, shoal.ConnectedPeers);
    }

    [Fact]
    public async Task Several_mebibytes_cross_one_stream_in_both_directions()
    {
        await using var shoal = await StartShoalAsync();
        await using var js = await JsPeer.StartAsync();
        await shoal.ConnectAsync(js.TcpAddress).WaitAsync(Timeout);

        // Shoal -> js echo -> Shoal: 8 MiB, 32x the initial Yamux window.
        var data = RandomNumberGenerator.GetBytes(8 * 1024 * 1024);
        await using (var stream = await shoal.OpenStreamAsync(js.PeerId, [Echo]).WaitAsync(Timeout))
        {
            var reading = ReadToEndAsync(stream);
            for (int offset = 0; offset < data.Length; offset += 128 * 1024)
                await stream.Output.WriteAsync(data.AsMemory(offset, 128 * 1024));
            await stream.CloseWriteAsync();
            var echoed = await reading.WaitAsync(Timeout);
            Assert.Equal(data.Length, echoed.Length);
            Assert.True(data.AsSpan().SequenceEqual(echoed));
        }

        // js -> Shoal echo -> js.
        var result = await js.SendAsync("echo", new { target = shoal.LocalPeer.ToString(), protocol = Echo, bytes = 8 * 1024 * 1024 }, Timeout);
        Assert.Equal(8 * 1024 * 1024, result.GetProperty("received").GetInt32());
        Assert.Equal(result.GetProperty("sentSha256").GetString(), result.GetProperty("receivedSha256").GetString());
    }

    [Fact]
    public async Task Hundred_parallel_streams_each_echo_a_mebibyte_both_ways()
    {
        await using var shoal = await StartShoalAsync();
        await using var js = await JsPeer.StartAsync();
        await shoal.ConnectAsync(js.TcpAddress).WaitAsync(Timeout);

        var tasks = Enumerable.Range(0, 100).Select(async _ =>
        {
            var data = RandomNumberGenerator.GetBytes(1024 * 1024);
            await using var stream = await shoal.OpenStreamAsync(js.PeerId, [Echo]);
            var reading = ReadToEndAsync(stream);
            await stream.Output.WriteAsync(data);
            await stream.CloseWriteAsync();
            var echoed = await reading;
            return data.AsSpan().SequenceEqual(echoed);
        }).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(results, Assert.True);

        var fromJs = await js.SendAsync("streams", new { target = shoal.LocalPeer.ToString(), protocol = Echo, count = 100, bytes = 256 * 1024 }, TimeSpan.FromSeconds(60));
        Assert.True(fromJs.GetProperty("allEqual").GetBoolean());
    }

    [Fact]
    public async Task Hang_ups_are_seen_on_both_sides()
    {
        await using var shoal = await StartShoalAsync();
        await using var js = await JsPeer.StartAsync();
        string shoalId = shoal.LocalPeer.ToString();

        // Shoal closes the connection: js notices.
        await shoal.ConnectAsync(js.TcpAddress).WaitAsync(Timeout);
        await js.WaitForEventAsync("peer:connect", e => e.GetProperty("peerId").GetString() == shoalId);
        await shoal.DisconnectAsync(js.PeerId);
        await js.WaitForEventAsync("peer:disconnect", e => e.GetProperty("peerId").GetString() == shoalId);
        Assert.DoesNotContain(js.PeerId, shoal.ConnectedPeers);

        // js hangs up: Shoal raises PeerDisconnected.
        var disconnected = new TaskCompletionSource<PeerId>(TaskCreationOptions.RunContinuationsAsynchronously);
        shoal.PeerDisconnected += p => disconnected.TrySetResult(p);
        await shoal.ConnectAsync(js.TcpAddress).WaitAsync(Timeout);
        Assert.Equal(shoalId, (await js.SendAsync("peers")).GetProperty("peers")[0].GetString());
        await js.SendAsync("hangup", new { peer = shoalId });
        Assert.Equal(js.PeerId, await disconnected.Task.WaitAsync(Timeout));
        Assert.DoesNotContain(js.PeerId, shoal.ConnectedPeers);
    }
}
