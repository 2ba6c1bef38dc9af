using System.Text;

namespace Shoal.Core;

/// <summary>The DAG-PB codec, byte-exact with Kubo (boxo) and Helia (@ipld/dag-pb): links before data,
/// link fields in Hash/Name/Tsize order, minimal varints; the decoder is strict and rejects anything else.</summary>
public static class DagPb
{
    /// <summary>Bitswap and Kubo refuse blocks above 2 MiB; 4 MiB leaves headroom for odd producers while
    /// bounding what a decoder is asked to walk.</summary>
    public const int MaxBlockSize = 4 * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static int GetEncodedLength(DagPbNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        int size = 0;
        foreach (var link in node.Links) size += ProtoWire.LengthDelimitedSize(LinkLength(link));
        if (node.Data is { } data) size += ProtoWire.LengthDelimitedSize(data.Length);
        return size;
    }

    private static int LinkLength(DagPbLink link)
    {
        int size = ProtoWire.LengthDelimitedSize(link.Hash.Bytes.Length);
        if (link.Name is not null) size += ProtoWire.LengthDelimitedSize(Encoding.UTF8.GetByteCount(link.Name));
        if (link.Tsize is ulong t) size += ProtoWire.VarintFieldSize(t);
        return size;
    }

    public static byte[] Encode(DagPbNode node)
    {
        var bytes = new byte[GetEncodedLength(node)];
        Encode(node, bytes);
        return bytes;
    }

    /// <summary>Encodes into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Encode(DagPbNode node, Span<byte> destination)
    {
        int total = GetEncodedLength(node);
        if (destination.Length < total) throw new ArgumentException("destination too small", nameof(destination));
        int o = 0;
        foreach (var link in node.Links)
        {
            o += ProtoWire.WriteTag(destination[o..], 2, ProtoWire.WireLengthDelimited);
            o += Varint.Write(destination[o..], (ulong)LinkLength(link));
            o += ProtoWire.WriteBytes(destination[o..], 1, link.Hash.Bytes.Span);
            if (link.Name is not null)
            {
                o += ProtoWire.WriteTag(destination[o..], 2, ProtoWire.WireLengthDelimited);
                int nameLength = Encoding.UTF8.GetByteCount(link.Name);
                o += Varint.Write(destination[o..], (ulong)nameLength);
                o += Encoding.UTF8.GetBytes(link.Name, destination[o..]);
            }
            if (link.Tsize is ulong t) o += ProtoWire.WriteVarint(destination[o..], 3, t);
        }
        if (node.Data is { } data) o += ProtoWire.WriteBytes(destination[o..], 1, data.Span);
        return o;
    }

    /// <summary>Strict decode; throws <see cref="FormatException"/> for anything Kubo or Helia would not produce.</summary>
    public static DagPbNode Decode(ReadOnlySpan<byte> block)
    {
        if (block.Length > MaxBlockSize) throw new FormatException($"dag-pb block of {block.Length} bytes exceeds {MaxBlockSize}");
        var links = new List<DagPbLink>();
        byte[]? data = null;
        int offset = 0;
        while (offset < block.Length)
        {
            var (field, wire) = ProtoWire.ReadTag(block, ref offset, "dag-pb PBNode");
            if (wire != ProtoWire.WireLengthDelimited)
                throw new FormatException($"dag-pb PBNode: field {field} has wire type {wire}, expected length-delimited");
            if (field == 1)
            {
                if (data is not null) throw new FormatException("dag-pb PBNode: duplicate Data section");
                data = ProtoWire.ReadBytes(block, ref offset, "dag-pb Data").ToArray();
            }
            else if (field == 2)
            {
                if (data is not null) throw new FormatException("dag-pb PBNode: Links after Data (duplicate Links section)");
                links.Add(DecodeLink(ProtoWire.ReadBytes(block, ref offset, "dag-pb Link"), links.Count));
            }
            else
            {
                throw new FormatException($"dag-pb PBNode: unknown field {field} at offset {offset}");
            }
        }
        return new DagPbNode(links, data is null ? null : (ReadOnlyMemory<byte>?)data);
    }

    private static DagPbLink DecodeLink(ReadOnlySpan<byte> bytes, int index)
    {
        Cid? hash = null;
        string? name = null;
        ulong? tsize = null;
        int lastField = 0;
        int offset = 0;
        while (offset < bytes.Length)
        {
            var (field, wire) = ProtoWire.ReadTag(bytes, ref offset, $"dag-pb link {index}");
            if (field <= lastField)
                throw new FormatException($"dag-pb link {index}: field {field} out of order or duplicated (Hash, Name, Tsize order required)");
            lastField = field;
            switch (field)
            {
                case 1 when wire == ProtoWire.WireLengthDelimited:
                    var raw = ProtoWire.ReadBytes(bytes, ref offset, $"dag-pb link {index} Hash");
                    if (raw.IsEmpty) throw new FormatException($"dag-pb link {index}: invalid Hash field, expected CID");
                    hash = Cid.FromBytes(raw);
                    break;
                case 2 when wire == ProtoWire.WireLengthDelimited:
                    var nameBytes = ProtoWire.ReadBytes(bytes, ref offset, $"dag-pb link {index} Name");
                    try { name = StrictUtf8.GetString(nameBytes); }
                    catch (DecoderFallbackException) { throw new FormatException($"dag-pb link {index}: Name is not valid UTF-8"); }
                    break;
                case 3 when wire == ProtoWire.WireVarint:
                    tsize = ProtoWire.ReadVarint(bytes, ref offset);
                    break;
                default:
                    throw new FormatException($"dag-pb link {index}: unexpected field {field} with wire type {wire}");
            }
        }
        if (hash is null) throw new FormatException($"dag-pb link {index}: invalid Hash field found in link, expected CID");
        return new DagPbLink(hash, name, tsize);
    }
}
