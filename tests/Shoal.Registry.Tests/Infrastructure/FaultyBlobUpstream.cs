using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Shoal.Registry.Tests;

/// <summary>What a <see cref="FaultyBlobUpstream"/> does with one accepted connection.</summary>
public enum UpstreamFault
{
    /// <summary>Answers the blob request properly (honouring a Range header).</summary>
    None,
    /// <summary>Resets the connection (RST) as soon as it is accepted, before reading the request.</summary>
    ResetOnAccept,
    /// <summary>Sends the headers and half of the body, then closes the connection (an orderly FIN, so the peer
    /// reads every byte sent and then finds the body short of its Content-Length).</summary>
    CloseMidBody,
}

/// <summary>
/// A real HTTP/1.1 server on a loopback socket that serves one blob at <c>/v2/&lt;name&gt;/blobs/&lt;digest&gt;</c>
/// and applies one planned fault per accepted connection (then behaves), to show how the mirror takes
/// connection failures that a real upstream produces only now and then.
/// </summary>
internal sealed class FaultyBlobUpstream : IAsyncDisposable
{
    /// <summary>Request headers beyond this are not a mirror's blob GET.</summary>
    private const int MaxRequestHeaderBytes = 16 * 1024;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<UpstreamFault> _plan;
    private readonly byte[] _blob;
    private readonly string _digest;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public FaultyBlobUpstream(byte[] blob, string digest, params UpstreamFault[] plan)
    {
        _blob = blob;
        _digest = digest;
        _plan = new ConcurrentQueue<UpstreamFault>(plan);
        _listener.Start(); // listening before the URL is handed out
        _acceptLoop = AcceptLoopAsync(_stop.Token);
    }

    public Uri Url => new("http://" + _listener.LocalEndpoint);

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptLoopAsync(CancellationToken ct)
    {
        var served = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(ct);
                Interlocked.Increment(ref _connections);
                served.Add(ServeAsync(socket, _plan.TryDequeue(out var f) ? f : UpstreamFault.None, ct));
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
        try { await Task.WhenAll(served); } catch (Exception e) when (e is OperationCanceledException or IOException or SocketException) { }
    }

    private async Task ServeAsync(Socket socket, UpstreamFault fault, CancellationToken ct)
    {
        using var _ = socket;
        if (fault == UpstreamFault.ResetOnAccept)
        {
            Reset(socket);
            return;
        }
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var head = await ReadHeadAsync(stream, ct);
        var lines = head.Split("\r\n");
        var target = lines[0].Split(' ');
        var wanted = target.Length >= 2 && target[1].EndsWith("/blobs/" + _digest, StringComparison.Ordinal);
        if (!wanted)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), ct);
            return;
        }
        long from = 0;
        foreach (var line in lines)
            if (line.StartsWith("Range: bytes=", StringComparison.OrdinalIgnoreCase) && line.EndsWith('-'))
                from = long.Parse(line["Range: bytes=".Length..^1]);
        var status = from > 0 ? "206 Partial Content" : "200 OK";
        var range = from > 0 ? $"Content-Range: bytes {from}-{_blob.Length - 1}/{_blob.Length}\r\n" : "";
        var headers = $"HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\nDocker-Content-Digest: {_digest}\r\n" +
                      $"{range}Content-Length: {_blob.Length - from}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(headers), ct);
        var body = _blob.AsMemory((int)from);
        if (fault == UpstreamFault.CloseMidBody)
        {
            await stream.WriteAsync(body[..(body.Length / 2)], ct);
            socket.Shutdown(SocketShutdown.Send);
            return;
        }
        await stream.WriteAsync(body, ct);
        socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[MaxRequestHeaderBytes];
        var length = 0;
        while (true)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(length), ct);
            if (n == 0) throw new IOException("request ended before its headers");
            length += n;
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0) return text[..end];
            if (length == buffer.Length) throw new IOException("request headers too long");
        }
    }

    /// <summary>Closes with SO_LINGER 0, so the peer sees a RST (connection reset), not an orderly FIN.</summary>
    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
    }
}
