using BenchmarkDotNet.Attributes;
using Shoal.Net;

namespace Shoal.Benchmarks;

/// <summary>
/// Bulk transfer over one Yamux stream over Noise over loopback TCP: N MiB sent to an echo handler and read back
/// (so each byte crosses the stack twice). The same transfer between two js-libp2p nodes (interop/peer.mjs, the stack
/// Helia uses) runs in the same benchmark run for comparison. MiB/s = 2 * SizeMiB / Mean. Allocations are per
/// operation; divide by 2 * SizeMiB for bytes allocated per MiB moved.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class NetBulkTransferBenchmarks
{
    private const string Echo = "/shoal-test/echo/1.0.0";
    /// <summary>Chunk the application writes per call: a typical Bitswap block size.</summary>
    private const int ChunkSize = 256 * 1024;

    private P2pHost _client = null!;
    private P2pHost _server = null!;
    private byte[] _chunk = null!;
    private NetJsPeer? _jsServer;
    private NetJsPeer? _jsClient;

    [Params(16)]
    public int SizeMiB { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _chunk = new byte[ChunkSize];
        new Random(1).NextBytes(_chunk);
        _server = new P2pHost(new HostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], IdentifyOnConnect = false });
        _server.SetStreamHandler(Echo, EchoAsync);
        await _server.StartAsync();
        _client = new P2pHost(new HostOptions { IdentifyOnConnect = false });
        await _client.ConnectAsync(_server.ListenAddresses[0].WithPeerId(_server.LocalPeer));

        var interop = NetJsPeer.FindInteropDirectory();
        if (interop is not null)
        {
            _jsServer = await NetJsPeer.StartAsync(interop);
            _jsClient = await NetJsPeer.StartAsync(interop);
            await _jsClient.SendAsync($"{{\"cmd\":\"dial\",\"addr\":\"{_jsServer.Address}\"}}");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        if (_jsClient is not null) await _jsClient.DisposeAsync();
        if (_jsServer is not null) await _jsServer.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "Shoal -> Shoal echo")]
    public async Task<long> Shoal()
    {
        await using var stream = await _client.OpenStreamAsync(_server.LocalPeer, [Echo]);
        var reading = DrainAsync(stream);
        long total = (long)SizeMiB * 1024 * 1024;
        for (long sent = 0; sent < total; sent += ChunkSize) await stream.Output.WriteAsync(_chunk);
        await stream.CloseWriteAsync();
        long received = await reading;
        if (received != total) throw new InvalidOperationException($"Echo returned {received} of {total} bytes.");
        return received;
    }

    [Benchmark(Description = "js-libp2p -> js-libp2p echo")]
    public async Task<long> JsLibp2p()
    {
        if (_jsClient is null || _jsServer is null) throw new InvalidOperationException("interop/node_modules missing: run npm ci --omit=peer in interop/.");
        long bytes = (long)SizeMiB * 1024 * 1024;
        var reply = await _jsClient.SendAsync($"{{\"cmd\":\"echo\",\"target\":\"{_jsServer.PeerId}\",\"protocol\":\"{Echo}\",\"bytes\":{bytes}}}");
        return reply.GetProperty("received").GetInt64();
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

    private static async Task<long> DrainAsync(IP2pStream stream)
    {
        long total = 0;
        while (true)
        {
            var result = await stream.Input.ReadAsync();
            total += result.Buffer.Length;
            stream.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) return total;
        }
    }
}
