using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Shoal.Net;

/// <summary>
/// The plaintext side of a Noise channel's output: the upper layer writes straight into the transport's output memory,
/// two bytes into a frame-sized region, and the frame is sealed in place (ciphertext over plaintext, tag after it) when
/// it is full or flushed. No plaintext pipe, no copy of it and no pump: sealing runs on the writer's own thread.
/// Not thread-safe, like any <see cref="PipeWriter"/>: the upper layer serializes its writes (Yamux holds its write lock).
/// </summary>
internal sealed class NoiseSealingWriter(PipeWriter transport, NoiseCipherState cipher) : PipeWriter
{
    /// <summary>Smallest plaintext room asked of the transport for a new frame: small writes (a Yamux header, a window
    /// update) share a frame instead of costing one each, and a pipe segment's tail is still used.</summary>
    private const int MinFrameRoom = 4096;

    private Memory<byte> _frame;
    private int _capacity;
    private int _written;
    private byte[]? _staging;
    private bool _completed;

    /// <summary>Returns room for plaintext inside the current frame (opening a new one when it has less than
    /// <paramref name="sizeHint"/>). A hint larger than one frame's plaintext gets a pooled staging buffer, sealed
    /// into several frames on <see cref="Advance"/>.</summary>
    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        ReturnStaging();
        if (sizeHint > NoiseFrame.MaxPlaintextLength)
        {
            SealFrame();
            _staging = ArrayPool<byte>.Shared.Rent(sizeHint);
            return _staging;
        }
        int need = Math.Max(sizeHint, 1);
        if (_capacity - _written < need)
        {
            SealFrame();
            _frame = transport.GetMemory(NoiseFrame.HeaderLength + Math.Max(need, MinFrameRoom) + NoiseCipherState.TagLength);
            _capacity = Math.Min(_frame.Length - NoiseFrame.HeaderLength - NoiseCipherState.TagLength, NoiseFrame.MaxPlaintextLength);
            _written = 0;
        }
        return _frame.Slice(NoiseFrame.HeaderLength + _written, _capacity - _written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (_staging is { } staging)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, staging.Length);
            _staging = null;
            try { SealOutOfPlace(staging.AsSpan(0, bytes)); }
            finally { ArrayPool<byte>.Shared.Return(staging); }
            return;
        }
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, _capacity - _written);
        _written += bytes;
        if (_written == _capacity) SealFrame();
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        SealFrame();
        return transport.FlushAsync(cancellationToken);
    }

    public override void CancelPendingFlush() => transport.CancelPendingFlush();

    /// <summary>Seals what was written (unless failing) and completes the transport's output. Safe to call twice.</summary>
    public override void Complete(Exception? exception = null)
    {
        if (_completed) return;
        _completed = true;
        ReturnStaging();
        if (exception is null) SealFrame();
        transport.Complete(exception);
    }

    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (_completed) return;
        _completed = true;
        ReturnStaging();
        if (exception is null) SealFrame();
        await transport.CompleteAsync(exception).ConfigureAwait(false);
    }

    /// <summary>Seals the current frame in place (header, ciphertext over the plaintext, tag) and hands it to the transport.</summary>
    private void SealFrame()
    {
        if (_written > 0)
        {
            var span = _frame.Span;
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)(_written + NoiseCipherState.TagLength));
            int sealedLength = cipher.EncryptWithAd(default, span.Slice(NoiseFrame.HeaderLength, _written), span[NoiseFrame.HeaderLength..]);
            transport.Advance(NoiseFrame.HeaderLength + sealedLength);
        }
        _frame = default;
        _capacity = 0;
        _written = 0;
    }

    private void SealOutOfPlace(ReadOnlySpan<byte> plaintext)
    {
        while (!plaintext.IsEmpty)
        {
            int chunk = Math.Min(plaintext.Length, NoiseFrame.MaxPlaintextLength);
            var span = transport.GetSpan(NoiseFrame.HeaderLength + chunk + NoiseCipherState.TagLength);
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)(chunk + NoiseCipherState.TagLength));
            int sealedLength = cipher.EncryptWithAd(default, plaintext[..chunk], span[NoiseFrame.HeaderLength..]);
            transport.Advance(NoiseFrame.HeaderLength + sealedLength);
            plaintext = plaintext[chunk..];
        }
    }

    /// <summary>A staging buffer handed out but never advanced (the caller asked again or gave up) goes back to the pool.</summary>
    private void ReturnStaging()
    {
        if (_staging is null) return;
        ArrayPool<byte>.Shared.Return(_staging);
        _staging = null;
    }
}
