using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Shoal.Net;

/// <summary>
/// A duplex pipe whose bytes travel encrypted in Noise transport frames over an inner pipe. Two pumps (decrypt,
/// encrypt) owned by this object; backpressure flows through both pipes.
/// </summary>
public sealed class NoiseSecureChannel : IDuplexPipe, IAsyncDisposable
{
    /// <summary>Plaintext buffered for the upper layer before the decrypt pump stops reading the transport.</summary>
    private const long PauseThreshold = 1024 * 1024;
    /// <summary>Pipe segment size: one Noise frame's worth, so bulk plaintext is not split into 4 KiB segments
    /// (hundreds per MiB buffered, more than the shared array pool keeps, so most were fresh allocations).</summary>
    private const int PipeSegmentSize = 64 * 1024;

    private readonly IDuplexPipe _transport;
    private readonly NoiseCipherState _send;
    private readonly NoiseCipherState _receive;
    private readonly Pipe _plainIn = new(new PipeOptions(pauseWriterThreshold: PauseThreshold, resumeWriterThreshold: PauseThreshold / 2, minimumSegmentSize: PipeSegmentSize, useSynchronizationContext: false));
    private readonly Pipe _plainOut = new(new PipeOptions(pauseWriterThreshold: PauseThreshold, resumeWriterThreshold: PauseThreshold / 2, minimumSegmentSize: PipeSegmentSize, useSynchronizationContext: false));
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _decryptLoop;
    private readonly Task _encryptLoop;
    private int _disposed;

    internal NoiseSecureChannel(IDuplexPipe transport, NoiseCipherState send, NoiseCipherState receive, PeerId remotePeer, PublicKey remoteKey, IReadOnlyList<string> remoteMuxers)
    {
        _transport = transport;
        _send = send;
        _receive = receive;
        RemotePeer = remotePeer;
        RemotePublicKey = remoteKey;
        RemoteStreamMuxers = remoteMuxers;
        _decryptLoop = DecryptLoopAsync();
        _encryptLoop = EncryptLoopAsync();
    }

    public PeerId RemotePeer { get; }
    public PublicKey RemotePublicKey { get; }
    /// <summary>The muxers the peer listed in its Noise extensions (early muxer negotiation), possibly empty.</summary>
    public IReadOnlyList<string> RemoteStreamMuxers { get; }
    public PipeReader Input => _plainIn.Reader;
    public PipeWriter Output => _plainOut.Writer;

    private async Task DecryptLoopAsync()
    {
        Exception? error = null;
        var input = _transport.Input;
        var writer = _plainIn.Writer;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(_cts.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var consumed = buffer.Start;
                try
                {
                    while (NoiseFrame.TryRead(ref buffer, out var frame))
                    {
                        consumed = buffer.Start;
                        if (frame.Length < NoiseCipherState.TagLength) throw new NoiseException($"Noise transport frame of {frame.Length} bytes is shorter than its tag.");
                        var plain = writer.GetSpan((int)frame.Length - NoiseCipherState.TagLength);
                        int n;
                        if (frame.IsSingleSegment)
                        {
                            n = _receive.DecryptWithAd(default, frame.FirstSpan, plain);
                        }
                        else
                        {
                            var rented = ArrayPool<byte>.Shared.Rent((int)frame.Length);
                            try
                            {
                                frame.CopyTo(rented);
                                n = _receive.DecryptWithAd(default, rented.AsSpan(0, (int)frame.Length), plain);
                            }
                            finally { ArrayPool<byte>.Shared.Return(rented); }
                        }
                        writer.Advance(n);
                    }
                }
                finally
                {
                    input.AdvanceTo(consumed, buffer.End);
                }
                var flush = await writer.FlushAsync(_cts.Token).ConfigureAwait(false);
                if (flush.IsCompleted) break;
                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty) error = new NoiseException("Connection closed in the middle of a Noise frame.");
                    break;
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is NoiseException or IOException or InvalidOperationException) { error = e; }
        await writer.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task EncryptLoopAsync()
    {
        Exception? error = null;
        var reader = _plainOut.Reader;
        var output = _transport.Output;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_cts.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (!buffer.IsEmpty)
                    {
                        // One frame per pipe segment at most, so plaintext is sealed straight from the pipe's memory
                        // (a frame straddling two segments had to be copied first). The segment's tail makes a short
                        // frame; frames of any length up to the maximum are valid.
                        var first = FirstNonEmptySegment(buffer).Span;
                        int chunk = Math.Min(first.Length, NoiseFrame.MaxPlaintextLength);
                        var span = output.GetSpan(NoiseFrame.HeaderLength + chunk + NoiseCipherState.TagLength);
                        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)(chunk + NoiseCipherState.TagLength));
                        _send.EncryptWithAd(default, first[..chunk], span[NoiseFrame.HeaderLength..]);
                        output.Advance(NoiseFrame.HeaderLength + chunk + NoiseCipherState.TagLength);
                        buffer = buffer.Slice(chunk);
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }
                var flush = await output.FlushAsync(_cts.Token).ConfigureAwait(false);
                if (flush.IsCompleted || result.IsCompleted) break;
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is NoiseException or IOException or InvalidOperationException) { error = e; }
        await reader.CompleteAsync(error).ConfigureAwait(false);
        await output.CompleteAsync(error).ConfigureAwait(false);
    }

    /// <summary>The sequence's first non-empty segment (empty segments add no bytes, so slicing from the start is unchanged).</summary>
    private static ReadOnlyMemory<byte> FirstNonEmptySegment(in ReadOnlySequence<byte> buffer)
    {
        foreach (var segment in buffer)
        {
            if (!segment.IsEmpty) return segment;
        }
        return default;
    }

    /// <summary>Flushes what the upper layer wrote (briefly), then stops both pumps. Does not dispose the inner transport.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _plainOut.Writer.CompleteAsync().ConfigureAwait(false);
        await Task.WhenAny(_encryptLoop, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        _cts.Cancel();
        await Task.WhenAll(_decryptLoop, _encryptLoop).ConfigureAwait(false);
        await _plainIn.Reader.CompleteAsync().ConfigureAwait(false);
        _send.Dispose();
        _receive.Dispose();
        _cts.Dispose();
    }
}
