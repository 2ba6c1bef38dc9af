using System.Buffers;
using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>Collects length-prefixed Bitswap messages from a byte stream into one buffer each, consuming input as
/// it arrives (resumable across reads). The length is checked against the 4 MiB limit before any buffer is taken.
/// A large message gets an array of its own that its blocks then share (decoded without a second copy); a small one
/// (wants, presences) a pooled buffer returned after decoding.</summary>
internal sealed class FrameAssembler : IDisposable
{
    /// <summary>Messages from this size up are decoded in place: block data that the store keeps dominates them, so the
    /// one copy out of the stream is the block's final home. Below it, pooling beats a fresh array per want message.</summary>
    internal const int SharedFrameThreshold = 16 * 1024;

    private byte[]? _frame;
    private bool _shared;
    private int _length;
    private int _filled;

    /// <summary>Consumes <paramref name="input"/> (left holding only an incomplete length prefix) and appends every
    /// completed message to <paramref name="messages"/>. Throws <see cref="BitswapProtocolException"/> on bad input.</summary>
    public void Feed(ref ReadOnlySequence<byte> input, List<BitswapMessage> messages)
    {
        while (true)
        {
            if (_frame is null)
            {
                var reader = new SequenceReader<byte>(input);
                ulong length;
                try
                {
                    if (!Varint.TryRead(ref reader, out length)) return;
                }
                catch (FormatException e)
                {
                    throw new BitswapProtocolException("malformed message length prefix", e);
                }
                if (length > BitswapLimits.MaxMessageSize)
                    throw new BitswapProtocolException($"message of {length} bytes exceeds the {BitswapLimits.MaxMessageSize} byte limit");
                input = input.Slice(reader.Position);
                _length = (int)length;
                _filled = 0;
                _shared = _length >= SharedFrameThreshold;
                _frame = _shared ? GC.AllocateUninitializedArray<byte>(_length) : ArrayPool<byte>.Shared.Rent(Math.Max(1, _length));
            }
            int take = (int)Math.Min(input.Length, _length - _filled);
            input.Slice(0, take).CopyTo(_frame.AsSpan(_filled));
            _filled += take;
            input = input.Slice(take);
            if (_filled < _length) return;
            var frame = _frame;
            _frame = null;
            if (_shared)
            {
                messages.Add(BitswapMessageCodec.DecodeShared(frame));
                continue;
            }
            try
            {
                messages.Add(BitswapMessageCodec.Decode(frame.AsSpan(0, _length)));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(frame);
            }
        }
    }

    public void Dispose()
    {
        if (_frame is not null && !_shared) ArrayPool<byte>.Shared.Return(_frame);
        _frame = null;
    }
}
