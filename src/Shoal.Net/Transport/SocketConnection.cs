using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Shoal.Net;

/// <summary>A TCP socket exposed as two pipes with one receive pump and one send pump (the Kestrel socket transport's shape).</summary>
internal sealed class SocketConnection : ITransportConnection
{
    /// <summary>Smallest buffer handed to a receive; a Noise frame is at most 64 KiB + 2, so 8 KiB reads keep syscalls few without big idle buffers.</summary>
    private const int MinReceiveBufferSize = 8 * 1024;
    /// <summary>Buffer for the next receive after one that filled its buffer (bulk data is flowing): four Noise frames,
    /// so bulk data costs a quarter of the receive calls and pump wake-ups of one-frame buffers, and only one frame in
    /// four straddles two buffers (a straddling frame is copied before it is decrypted).</summary>
    private const int BulkReceiveBufferSize = 256 * 1024;
    /// <summary>Most pipe segments handed to one gathered send (Linux allows 1024 iovecs; 1 MiB of output is 16).</summary>
    private const int MaxSendSegments = 64;
    /// <summary>Stop reading the socket when this much unread input piles up (backpressure to the peer through TCP).</summary>
    private const long InputPauseThreshold = 1024 * 1024;
    /// <summary>Block writers when this much output waits for the socket.</summary>
    private const long OutputPauseThreshold = 1024 * 1024;
    /// <summary>Output pipe segment size: room for four full Noise frames, which the sealing writer builds in place in this
    /// memory (with the default 4 KiB segments every frame was small and every segment a fresh rental).</summary>
    private const int OutputSegmentSize = 256 * 1024;

    private readonly Socket _socket;
    private readonly Pipe _input = new(new PipeOptions(pauseWriterThreshold: InputPauseThreshold, resumeWriterThreshold: InputPauseThreshold / 2, useSynchronizationContext: false));
    private readonly Pipe _output = new(new PipeOptions(pauseWriterThreshold: OutputPauseThreshold, resumeWriterThreshold: OutputPauseThreshold / 2, minimumSegmentSize: OutputSegmentSize, useSynchronizationContext: false));
    private readonly CancellationTokenSource _cts = new();
    private readonly List<ArraySegment<byte>> _sendSegments = new(MaxSendSegments);
    private readonly Task _receiveLoop;
    private readonly Task _sendLoop;
    private int _disposed;
    private long _written;

    public SocketConnection(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        LocalAddress = Multiaddr.FromTcpEndPoint((IPEndPoint)socket.LocalEndPoint!);
        RemoteAddress = Multiaddr.FromTcpEndPoint((IPEndPoint)socket.RemoteEndPoint!);
        _receiveLoop = ReceiveLoopAsync();
        _sendLoop = SendLoopAsync();
    }

    public Multiaddr LocalAddress { get; }
    public Multiaddr RemoteAddress { get; }
    public PipeReader Input => _input.Reader;
    public PipeWriter Output => _output.Writer;

    /// <summary>Bytes handed to the kernel so far and those of them it has not sent yet; null where the kernel cannot say.</summary>
    public SendQueueState? SendQueue
        => _disposed == 0 && KernelSendQueue.Unsent(_socket) is { } unsent ? new SendQueueState(Interlocked.Read(ref _written), unsent) : null;

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        try
        {
            int bufferSize = MinReceiveBufferSize;
            while (true)
            {
                var memory = _input.Writer.GetMemory(bufferSize);
                int n = await _socket.ReceiveAsync(memory, SocketFlags.None, _cts.Token).ConfigureAwait(false);
                if (n == 0) break;
                bufferSize = n == memory.Length ? BulkReceiveBufferSize : MinReceiveBufferSize;
                _input.Writer.Advance(n);
                var flush = await _input.Writer.FlushAsync(_cts.Token).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { error = new IOException("TCP receive failed: " + e.Message, e); }
        await _input.Writer.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await _output.Reader.ReadAsync(_cts.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    // Everything queued goes in one gathered send (one syscall for many segments) where it can.
                    var rest = buffer;
                    while (!rest.IsEmpty)
                    {
                        int sent = rest.IsSingleSegment || !GatherSegments(rest)
                            ? await _socket.SendAsync(rest.First, SocketFlags.None, _cts.Token).ConfigureAwait(false)
                            : await _socket.SendAsync(_sendSegments, SocketFlags.None).ConfigureAwait(false);
                        rest = rest.Slice(sent);
                        Interlocked.Add(ref _written, sent);
                    }
                }
                finally
                {
                    _output.Reader.AdvanceTo(buffer.End);
                }
                if (result.IsCompleted || result.IsCanceled)
                {
                    try { _socket.Shutdown(SocketShutdown.Send); } catch (SocketException) { }
                    break;
                }
            }
        }
        catch (OperationCanceledException) { }
        // Surfaced to the writer's next flush (the Noise pump): as an IOException, the one failure type every layer
        // above handles as "connection gone" (a raw SocketException here used to fault the pump and stall teardown).
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { error = new IOException("TCP send failed: " + e.Message, e); }
        await _output.Reader.CompleteAsync(error).ConfigureAwait(false);
    }

    /// <summary>Fills <see cref="_sendSegments"/> with the first segments of <paramref name="buffer"/>; false when a segment
    /// is not array-backed (then the caller sends the first segment alone).</summary>
    private bool GatherSegments(ReadOnlySequence<byte> buffer)
    {
        _sendSegments.Clear();
        foreach (var segment in buffer)
        {
            if (segment.IsEmpty) continue;
            if (!MemoryMarshal.TryGetArray(segment, out var array)) return false;
            _sendSegments.Add(array);
            if (_sendSegments.Count == MaxSendSegments) break;
        }
        return _sendSegments.Count > 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Let queued output drain briefly so a closing handshake (GoAway, FIN) reaches the peer.
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await Task.WhenAny(_sendLoop, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        _cts.Cancel();
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _socket.Dispose();
        await Task.WhenAll(_receiveLoop, _sendLoop).ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        _cts.Dispose();
    }
}
