using System.Buffers;

namespace Shoal.Core;

/// <summary>Unsigned LEB128 varint as used by multiformats: minimal encoding, at most 9 bytes (63 bits).</summary>
public static class Varint
{
    /// <summary>The multiformats unsigned-varint spec caps encodings at 9 bytes (63 usable bits).</summary>
    public const int MaxLength = 9;

    /// <summary>Largest value that fits in <see cref="MaxLength"/> bytes.</summary>
    public const ulong MaxValue = (1UL << 63) - 1;

    public static int SizeOf(ulong value)
    {
        if (value > MaxValue) throw new ArgumentOutOfRangeException(nameof(value), "varint values are limited to 63 bits");
        int size = 1;
        while (value >= 0x80) { value >>= 7; size++; }
        return size;
    }

    /// <summary>Writes <paramref name="value"/>; returns the number of bytes written.</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        int size = SizeOf(value);
        if (destination.Length < size) throw new ArgumentException("destination too small for varint", nameof(destination));
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Returns false when <paramref name="source"/> ends before the varint does; throws
    /// <see cref="FormatException"/> on a non-minimal or over-long encoding.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ulong value, out int bytesRead)
    {
        ulong result = 0;
        int limit = Math.Min(source.Length, MaxLength);
        for (int i = 0; i < limit; i++)
        {
            byte b = source[i];
            result |= (ulong)(b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0) throw new FormatException($"varint is not minimally encoded (trailing zero byte at offset {i})");
                value = result;
                bytesRead = i + 1;
                return true;
            }
        }
        if (source.Length >= MaxLength) throw new FormatException($"varint longer than {MaxLength} bytes");
        value = 0;
        bytesRead = 0;
        return false;
    }

    /// <summary>Reads a varint; throws <see cref="FormatException"/> when truncated or malformed.</summary>
    public static ulong Read(ReadOnlySpan<byte> source, out int bytesRead)
    {
        if (!TryRead(source, out ulong value, out bytesRead))
            throw new FormatException(source.IsEmpty ? "expected a varint, found end of input" : "varint truncated");
        return value;
    }

    /// <summary>Pipelines form: false (reader not advanced) when more bytes are needed.</summary>
    public static bool TryRead(ref SequenceReader<byte> reader, out ulong value)
    {
        Span<byte> scratch = stackalloc byte[MaxLength];
        int available = (int)Math.Min(reader.Remaining, MaxLength);
        if (!reader.TryCopyTo(scratch[..available]))
        {
            value = 0;
            return false;
        }
        if (!TryRead(scratch[..available], out value, out int read)) return false;
        reader.Advance(read);
        return true;
    }

    /// <summary>Reads a varint that must fit in an int and be at most <paramref name="max"/>.</summary>
    internal static int ReadLength(ReadOnlySpan<byte> source, int max, string what, out int bytesRead)
    {
        ulong v = Read(source, out bytesRead);
        if (v > (ulong)max) throw new FormatException($"{what} length {v} exceeds the maximum {max}");
        return (int)v;
    }
}
