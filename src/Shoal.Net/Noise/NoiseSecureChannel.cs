using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Shoal.Net;

/// <summary>
/// A duplex pipe whose bytes travel encrypted in Noise transport frames over an inner pipe. Writes are sealed in place
/// in the inner pipe's memory on the writer's thread (<see cref="NoiseSealingWriter"/>); one pump owned by this object
/// opens received frames. Backpressure flows through the inner pipes and the plaintext input pipe.
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
    private readonly NoiseSealingWriter _output;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _decryptLoop;
    private int _disposed;

    internal NoiseSecureChannel(IDuplexPipe transport, NoiseCipherState send, NoiseCipherState receive, PeerId remotePeer, PublicKey remoteKey, IReadOnlyList<string> remoteMuxers)
    {
        _transport = transport;
        _send = send;
        _receive = receive;
        RemotePeer = remotePeer;
        RemotePublicKey = remoteKey;
        RemoteStreamMuxers = remoteMuxers;
        _output = new NoiseSealingWriter(transport.Output, send);
        _decryptLoop = DecryptLoopAsync();
    }

    public PeerId RemotePeer { get; }
    public PublicKey RemotePublicKey { get; }
    /// <summary>The muxers the peer listed in its Noise extensions (early muxer negotiation), possibly empty.</summary>
    public IReadOnlyList<string> RemoteStreamMuxers { get; }
    public PipeReader Input => _plainIn.Reader;
    public PipeWriter Output => _output;

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

    /// <summary>Seals what the upper layer wrote and completes the inner output, then stops the pump. Does not dispose
    /// the inner transport.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _output.CompleteAsync().ConfigureAwait(false);
        _cts.Cancel();
        await _decryptLoop.ConfigureAwait(false);
        await _plainIn.Reader.CompleteAsync().ConfigureAwait(false);
        _send.Dispose();
        _receive.Dispose();
        _cts.Dispose();
    }
}
