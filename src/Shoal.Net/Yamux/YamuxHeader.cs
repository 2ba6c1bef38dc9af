using System.Buffers;
using System.Buffers.Binary;

namespace Shoal.Net;

public enum YamuxFrameType : byte { Data = 0, WindowUpdate = 1, Ping = 2, GoAway = 3 }

[Flags]
public enum YamuxFlags : ushort { None = 0, Syn = 1, Ack = 2, Fin = 4, Rst = 8 }

/// <summary>The 12-byte Yamux frame header (big-endian). Pure parsing/writing, no I/O.</summary>
public readonly record struct YamuxHeader(YamuxFrameType Type, YamuxFlags Flags, uint StreamId, uint Length)
{
    public const int Size = 12;
    public const byte Version = 0;

    /// <summary>Reads one header; false when fewer than 12 bytes are buffered. Throws <see cref="YamuxProtocolException"/> on a bad version or type.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out YamuxHeader header)
    {
        header = default;
        if (buffer.Length < Size) return false;
        Span<byte> b = stackalloc byte[Size];
        buffer.Slice(0, Size).CopyTo(b);
        if (b[0] != Version) throw new YamuxProtocolException($"Yamux: unsupported version {b[0]}.");
        if (b[1] > (byte)YamuxFrameType.GoAway) throw new YamuxProtocolException($"Yamux: unknown frame type {b[1]}.");
        header = new YamuxHeader((YamuxFrameType)b[1], (YamuxFlags)BinaryPrimitives.ReadUInt16BigEndian(b[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(b[4..]), BinaryPrimitives.ReadUInt32BigEndian(b[8..]));
        buffer = buffer.Slice(Size);
        return true;
    }

    public void Write(Span<byte> destination)
    {
        destination[0] = Version;
        destination[1] = (byte)Type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StreamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Length);
    }
}
