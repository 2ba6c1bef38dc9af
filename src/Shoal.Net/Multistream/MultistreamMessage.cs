using System.Buffers;
using System.Text;
using Shoal.Core;

namespace Shoal.Net;

/// <summary>multistream-select 1.0 framing: <c>uvarint(len) || utf8 || '\n'</c>. Pure, resumable, no I/O.</summary>
public static class MultistreamMessage
{
    /// <summary>go-multistream and js refuse messages over 1024 bytes (length includes the newline).</summary>
    public const int MaxLength = 1024;

    /// <summary>Reads one message; false (buffer untouched) when more bytes are needed. Throws <see cref="MultistreamException"/> on bad framing.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out string message)
    {
        message = "";
        var reader = new SequenceReader<byte>(buffer);
        ulong length;
        try
        {
            if (!Varint.TryRead(ref reader, out length)) return false;
        }
        catch (FormatException e) { throw new MultistreamException("multistream-select: bad length prefix: " + e.Message); }
        if (length == 0 || length > MaxLength) throw new MultistreamException($"multistream-select: message length {length} is outside 1..{MaxLength}.");
        if (reader.Remaining < (long)length) return false;
        Span<byte> bytes = stackalloc byte[(int)length];
        reader.TryCopyTo(bytes);
        reader.Advance((long)length);
        if (bytes[^1] != (byte)'\n') throw new MultistreamException("multistream-select: message does not end with a newline.");
        try { message = new UTF8Encoding(false, true).GetString(bytes[..^1]); }
        catch (DecoderFallbackException) { throw new MultistreamException("multistream-select: message is not UTF-8."); }
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    public static void Write(IBufferWriter<byte> writer, string message)
    {
        int textLength = Encoding.UTF8.GetByteCount(message);
        int length = textLength + 1;
        if (length > MaxLength) throw new ArgumentException($"Protocol id longer than {MaxLength - 1} bytes.", nameof(message));
        var span = writer.GetSpan(Varint.MaxLength + length);
        int n = Varint.Write(span, (ulong)length);
        n += Encoding.UTF8.GetBytes(message, span[n..]);
        span[n++] = (byte)'\n';
        writer.Advance(n);
    }
}
