using System.Buffers;
using System.IO.Pipelines;
using Shoal.Core;

namespace Shoal.Net;

/// <summary>The <c>uvarint(length) || bytes</c> framing that identify, Bitswap and the DHT use; lengths are checked before buffering.</summary>
public static class LengthPrefixedFrame
{
    /// <summary>Reads one frame no longer than <paramref name="maxLength"/>; false when more bytes are needed. Throws <see cref="InvalidDataException"/> when too long or malformed.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        var reader = new SequenceReader<byte>(buffer);
        ulong length;
        try
        {
            if (!Varint.TryRead(ref reader, out length)) return false;
        }
        catch (FormatException e) { throw new InvalidDataException("Bad length prefix: " + e.Message, e); }
        if (length > (ulong)maxLength) throw new InvalidDataException($"Message of {length} bytes exceeds the limit of {maxLength}.");
        if (reader.Remaining < (long)length) return false;
        payload = buffer.Slice(reader.Position, (long)length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>Reads one frame; null at a clean end of stream (no partial frame).</summary>
    public static async ValueTask<byte[]?> ReadAsync(PipeReader input, int maxLength, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool found = false;
            try
            {
                if (TryRead(ref buffer, maxLength, out var payload))
                {
                    found = true;
                    return payload.ToArray();
                }
                if (result.IsCompleted)
                {
                    if (buffer.IsEmpty) return null;
                    throw new InvalidDataException($"Stream ended inside a length-prefixed message ({buffer.Length} bytes buffered).");
                }
            }
            finally
            {
                if (found) input.AdvanceTo(buffer.Start);
                else input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }
    }

    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> payload)
    {
        var span = output.GetSpan(Varint.MaxLength + payload.Length);
        int n = Varint.Write(span, (ulong)payload.Length);
        payload.CopyTo(span[n..]);
        output.Advance(n + payload.Length);
    }
}
