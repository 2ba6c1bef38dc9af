namespace Shoal.Core;

/// <summary>The UnixFS v1 <c>Data</c> message carried in a DAG-PB node's Data field:
/// <c>Type=1, Data=2, filesize=3, repeated blocksizes=4 (unpacked), hashType=5, fanout=6, mode=7, mtime=8</c>.
/// Encoded in field order like Kubo (gogo proto2) and Helia (protons).</summary>
public sealed class UnixFsData
{
    /// <summary>A file node never has more children than a DAG-PB block can hold links for; this bounds the
    /// blocksizes list read from a hostile block (a 4 MiB block of 2-byte entries).</summary>
    public const int MaxBlockSizes = DagPb.MaxBlockSize / 2;

    public UnixFsType Type { get; init; }

    public ReadOnlyMemory<byte>? Data { get; init; }

    public ulong? FileSize { get; init; }

    public IReadOnlyList<ulong> BlockSizes { get; init; } = [];

    public ulong? HashType { get; init; }

    public ulong? Fanout { get; init; }

    public uint? Mode { get; init; }

    /// <summary>Raw bytes of the UnixTime message, kept only so that re-encoding is exact.</summary>
    public ReadOnlyMemory<byte>? MTime { get; init; }

    /// <summary>Size of the file content this node (and its children) represents.</summary>
    public ulong ContentSize
    {
        get
        {
            if (FileSize is ulong f) return f;
            ulong total = (ulong)(Data?.Length ?? 0);
            foreach (var b in BlockSizes) total += b;
            return total;
        }
    }

    public int GetEncodedLength()
    {
        int size = ProtoWire.VarintFieldSize((ulong)Type);
        if (Data is { } d) size += ProtoWire.LengthDelimitedSize(d.Length);
        if (FileSize is ulong fs) size += ProtoWire.VarintFieldSize(fs);
        foreach (var b in BlockSizes) size += ProtoWire.VarintFieldSize(b);
        if (HashType is ulong h) size += ProtoWire.VarintFieldSize(h);
        if (Fanout is ulong fo) size += ProtoWire.VarintFieldSize(fo);
        if (Mode is uint m) size += ProtoWire.VarintFieldSize(m);
        if (MTime is { } t) size += ProtoWire.LengthDelimitedSize(t.Length);
        return size;
    }

    public byte[] Encode()
    {
        var bytes = new byte[GetEncodedLength()];
        Encode(bytes);
        return bytes;
    }

    public int Encode(Span<byte> dest)
    {
        int o = ProtoWire.WriteVarint(dest, 1, (ulong)Type);
        if (Data is { } d) o += ProtoWire.WriteBytes(dest[o..], 2, d.Span);
        if (FileSize is ulong fs) o += ProtoWire.WriteVarint(dest[o..], 3, fs);
        foreach (var b in BlockSizes) o += ProtoWire.WriteVarint(dest[o..], 4, b);
        if (HashType is ulong h) o += ProtoWire.WriteVarint(dest[o..], 5, h);
        if (Fanout is ulong fo) o += ProtoWire.WriteVarint(dest[o..], 6, fo);
        if (Mode is uint m) o += ProtoWire.WriteVarint(dest[o..], 7, m);
        if (MTime is { } t) o += ProtoWire.WriteBytes(dest[o..], 8, t.Span);
        return o;
    }

    /// <summary>Decodes a UnixFS Data message; throws <see cref="FormatException"/> on malformed input.</summary>
    public static UnixFsData Decode(ReadOnlySpan<byte> bytes)
    {
        UnixFsType? type = null;
        byte[]? data = null;
        ulong? fileSize = null, hashType = null, fanout = null;
        uint? mode = null;
        byte[]? mtime = null;
        List<ulong>? blockSizes = null;
        int offset = 0;
        while (offset < bytes.Length)
        {
            var (field, wire) = ProtoWire.ReadTag(bytes, ref offset, "unixfs Data");
            switch (field)
            {
                case 1 when wire == ProtoWire.WireVarint:
                    ulong t = ProtoWire.ReadVarint(bytes, ref offset);
                    if (t > (ulong)UnixFsType.HamtShard) throw new FormatException($"unixfs Data: unknown type {t}");
                    type = (UnixFsType)t;
                    break;
                case 2 when wire == ProtoWire.WireLengthDelimited:
                    data = ProtoWire.ReadBytes(bytes, ref offset, "unixfs Data.Data").ToArray();
                    break;
                case 3 when wire == ProtoWire.WireVarint:
                    fileSize = ProtoWire.ReadVarint(bytes, ref offset);
                    break;
                case 4 when wire == ProtoWire.WireVarint:
                    blockSizes ??= [];
                    if (blockSizes.Count >= MaxBlockSizes) throw new FormatException("unixfs Data: too many blocksizes");
                    blockSizes.Add(ProtoWire.ReadVarint(bytes, ref offset));
                    break;
                case 4 when wire == ProtoWire.WireLengthDelimited:
                    // Packed encoding: legal protobuf, not produced by Kubo or Helia, accepted on read.
                    var packed = ProtoWire.ReadBytes(bytes, ref offset, "unixfs Data.blocksizes");
                    blockSizes ??= [];
                    int p = 0;
                    while (p < packed.Length)
                    {
                        if (blockSizes.Count >= MaxBlockSizes) throw new FormatException("unixfs Data: too many blocksizes");
                        blockSizes.Add(ProtoWire.ReadVarint(packed, ref p));
                    }
                    break;
                case 5 when wire == ProtoWire.WireVarint:
                    hashType = ProtoWire.ReadVarint(bytes, ref offset);
                    break;
                case 6 when wire == ProtoWire.WireVarint:
                    fanout = ProtoWire.ReadVarint(bytes, ref offset);
                    break;
                case 7 when wire == ProtoWire.WireVarint:
                    ulong m = ProtoWire.ReadVarint(bytes, ref offset);
                    if (m > uint.MaxValue) throw new FormatException("unixfs Data: mode exceeds 32 bits");
                    mode = (uint)m;
                    break;
                case 8 when wire == ProtoWire.WireLengthDelimited:
                    mtime = ProtoWire.ReadBytes(bytes, ref offset, "unixfs Data.mtime").ToArray();
                    break;
                default:
                    throw new FormatException($"unixfs Data: unexpected field {field} with wire type {wire}");
            }
        }
        if (type is null) throw new FormatException("unixfs Data: missing required Type");
        return new UnixFsData
        {
            Type = type.Value,
            Data = data is null ? null : (ReadOnlyMemory<byte>?)data,
            FileSize = fileSize,
            BlockSizes = (IReadOnlyList<ulong>?)blockSizes ?? [],
            HashType = hashType,
            Fanout = fanout,
            Mode = mode,
            MTime = mtime is null ? null : (ReadOnlyMemory<byte>?)mtime,
        };
    }
}
