using System.Buffers;
using Google.Protobuf;
using Shoal.Dht.Wire;

namespace Shoal.Dht;

/// <summary>
/// The kad-dht stream framing: each message is an unsigned-varint length followed by the protobuf. Reading is pure
/// (no I/O, no allocation beyond the parsed message) and resumable when a frame is split across reads.
/// </summary>
public static class DhtFraming
{
    private const int MaxLengthPrefixBytes = 5; // 4 MiB needs 4 varint bytes; a fifth bounds junk

    /// <summary>
    /// Takes one frame's payload off the front of <paramref name="buffer"/>. False when more bytes are needed.
    /// Throws <see cref="DhtProtocolException"/> on a malformed or oversized length prefix.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> payload, int maxMessageSize = DhtConstants.MaxMessageSize)
    {
        payload = default;
        var reader = new SequenceReader<byte>(buffer);
        ulong length = 0;
        int shift = 0;
        int used = 0;
        while (true)
        {
            if (!reader.TryRead(out byte b))
            {
                return false;
            }
            used++;
            length |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && used > 1)
                {
                    throw new DhtProtocolException("Message length prefix is not minimally encoded.");
                }
                break;
            }
            shift += 7;
            if (used >= MaxLengthPrefixBytes)
            {
                throw new DhtProtocolException($"Message length prefix longer than {MaxLengthPrefixBytes} bytes.");
            }
        }
        if (length > (ulong)maxMessageSize)
        {
            throw new DhtProtocolException($"Message of {length} bytes exceeds the {maxMessageSize}-byte limit.");
        }
        if (reader.Remaining < (long)length)
        {
            return false;
        }
        payload = buffer.Slice(reader.Position, (long)length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>Parses a frame's payload; throws <see cref="DhtProtocolException"/> when it is not a valid message.</summary>
    public static DhtMessage Parse(in ReadOnlySequence<byte> payload)
    {
        try
        {
            return DhtMessage.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new DhtProtocolException($"Malformed DHT message ({payload.Length} bytes): {e.Message}", e);
        }
    }

    /// <summary>Writes length prefix and message into <paramref name="writer"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, DhtMessage message, int maxMessageSize = DhtConstants.MaxMessageSize)
    {
        int size = message.CalculateSize();
        if (size > maxMessageSize)
        {
            throw new InvalidOperationException($"DHT message of {size} bytes exceeds the {maxMessageSize}-byte limit.");
        }
        Span<byte> prefix = stackalloc byte[MaxLengthPrefixBytes];
        int n = 0;
        uint v = (uint)size;
        while (v >= 0x80)
        {
            prefix[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        prefix[n++] = (byte)v;
        writer.Write(prefix[..n]);
        message.WriteTo(writer);
    }
}
