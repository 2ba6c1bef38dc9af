namespace Shoal.Core;

/// <summary>The few protobuf wire helpers DAG-PB and UnixFS need (fields are written in tag order, varints minimal).</summary>
internal static class ProtoWire
{
    public const int WireVarint = 0;
    public const int WireLengthDelimited = 2;

    public static int LengthDelimitedSize(int fieldLength) => 1 + Varint.SizeOf((ulong)fieldLength) + fieldLength;

    public static int VarintFieldSize(ulong value) => 1 + Varint.SizeOf(value);

    public static int WriteTag(Span<byte> dest, int field, int wireType)
    {
        dest[0] = (byte)((field << 3) | wireType);
        return 1;
    }

    public static int WriteBytes(Span<byte> dest, int field, ReadOnlySpan<byte> value)
    {
        int o = WriteTag(dest, field, WireLengthDelimited);
        o += Varint.Write(dest[o..], (ulong)value.Length);
        value.CopyTo(dest[o..]);
        return o + value.Length;
    }

    public static int WriteVarint(Span<byte> dest, int field, ulong value)
    {
        int o = WriteTag(dest, field, WireVarint);
        return o + Varint.Write(dest[o..], value);
    }

    /// <summary>Reads a field key; field numbers Shoal uses are all below 16, so a key is one byte... but a
    /// hostile block may carry any key, which is read as a varint and reported.</summary>
    public static (int Field, int WireType) ReadTag(ReadOnlySpan<byte> source, ref int offset, string message)
    {
        ulong key = Varint.Read(source[offset..], out int n);
        offset += n;
        if (key >> 3 > int.MaxValue) throw new FormatException($"{message}: field number too large");
        return ((int)(key >> 3), (int)(key & 7));
    }

    public static ReadOnlySpan<byte> ReadBytes(ReadOnlySpan<byte> source, ref int offset, string what)
    {
        ulong len = Varint.Read(source[offset..], out int n);
        offset += n;
        if (len > (ulong)(source.Length - offset))
            throw new FormatException($"{what}: length {len} runs past the end of the block ({source.Length - offset} bytes left)");
        var result = source.Slice(offset, (int)len);
        offset += (int)len;
        return result;
    }

    public static ulong ReadVarint(ReadOnlySpan<byte> source, ref int offset)
    {
        ulong v = Varint.Read(source[offset..], out int n);
        offset += n;
        return v;
    }
}
