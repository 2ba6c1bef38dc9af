using System.Buffers;
using System.Buffers.Binary;

namespace Shoal.Net;

/// <summary>Noise-libp2p framing: a 2-byte big-endian length then that many bytes. Pure and resumable.</summary>
public static class NoiseFrame
{
    /// <summary>Noise caps every message at 65535 bytes; the 2-byte prefix cannot say more.</summary>
    public const int MaxFrameLength = 65535;
    /// <summary>Largest plaintext per transport frame: the frame minus the 16-byte Poly1305 tag.</summary>
    public const int MaxPlaintextLength = MaxFrameLength - 16;
    public const int HeaderLength = 2;

    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> body)
    {
        body = default;
        if (buffer.Length < HeaderLength) return false;
        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        int length = BinaryPrimitives.ReadUInt16BigEndian(header);
        if (buffer.Length < HeaderLength + length) return false;
        body = buffer.Slice(HeaderLength, length);
        buffer = buffer.Slice(body.End);
        return true;
    }
}
