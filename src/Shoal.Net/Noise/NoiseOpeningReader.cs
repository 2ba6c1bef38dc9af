using System.Buffers;
using System.IO.Pipelines;

namespace Shoal.Net;

/// <summary>
/// The plaintext side of a Noise channel's input: frames are opened on the reader's own thread when it asks for more
/// (no pump, so no thread hop between the socket and the layer above). Plaintext waits in a pipe without a pause
/// threshold: at most what one read of the transport held, since the transport is only read when the reader has
/// examined everything opened so far. Single reader, like any <see cref="PipeReader"/>.
/// </summary>
internal sealed class NoiseOpeningReader(PipeReader transport, NoiseCipherState cipher) : PipeReader
{
    /// <summary>Plaintext pipe segment size: one Noise frame's plaintext fits one segment, so opening never splits.</summary>
    private const int PipeSegmentSize = 64 * 1024;

    private readonly Pipe _plain = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: PipeSegmentSize, useSynchronizationContext: false));
    private ReadOnlySequence<byte> _last;
    private bool _wantsMore;
    private bool _transportDone;
    private Exception? _error;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_error is not null) throw _error;
            if ((!_wantsMore || _transportDone) && _plain.Reader.TryRead(out var ready)) return Returned(ready);
            var result = await transport.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled) return new ReadResult(default, isCanceled: true, isCompleted: false);
            if (Open(result)) _wantsMore = false;
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        if (_error is not null) throw _error;
        if ((!_wantsMore || _transportDone) && _plain.Reader.TryRead(out result))
        {
            Returned(result);
            return true;
        }
        if (!_transportDone && transport.TryRead(out var available) && Open(available) && _plain.Reader.TryRead(out result))
        {
            _wantsMore = false;
            Returned(result);
            return true;
        }
        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        // Everything examined means the reader needs more than is opened: the next read goes to the transport.
        _wantsMore = examined.Equals(_last.End);
        _last = default;
        _plain.Reader.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead()
    {
        transport.CancelPendingRead();
        _plain.Reader.CancelPendingRead();
    }

    /// <summary>Stops reading. The transport's input belongs to the connection, which completes it.</summary>
    public override void Complete(Exception? exception = null) => _plain.Reader.Complete(exception);

    private ReadResult Returned(ReadResult result)
    {
        _last = result.Buffer;
        return result;
    }

    /// <summary>Opens every whole frame in <paramref name="result"/> into the plaintext pipe and consumes them from the
    /// transport; at the transport's end, ends the plaintext too. True when there is something new for the reader.</summary>
    private bool Open(ReadResult result)
    {
        var buffer = result.Buffer;
        var consumed = buffer.Start;
        var writer = _plain.Writer;
        bool opened = false;
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
                    n = cipher.DecryptWithAd(default, frame.FirstSpan, plain);
                }
                else
                {
                    // A frame straddling two receive buffers is copied once to be opened (ChaCha20-Poly1305 wants it whole).
                    var rented = ArrayPool<byte>.Shared.Rent((int)frame.Length);
                    try
                    {
                        frame.CopyTo(rented);
                        n = cipher.DecryptWithAd(default, rented.AsSpan(0, (int)frame.Length), plain);
                    }
                    finally { ArrayPool<byte>.Shared.Return(rented); }
                }
                writer.Advance(n);
                opened = true;
            }
        }
        catch (NoiseException e)
        {
            _error = e;
            transport.AdvanceTo(consumed, buffer.End);
            writer.Complete(e);
            throw;
        }
        transport.AdvanceTo(consumed, buffer.End);
        // The plaintext pipe never pauses, so this flush completes at once; it only makes the bytes readable.
        if (opened) _ = writer.FlushAsync().GetAwaiter().GetResult();
        if (result.IsCompleted)
        {
            _transportDone = true;
            writer.Complete(buffer.IsEmpty ? null : new NoiseException("Connection closed in the middle of a Noise frame."));
            return true;
        }
        return opened;
    }
}
