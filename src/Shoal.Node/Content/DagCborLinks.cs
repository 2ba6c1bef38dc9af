using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// Finds the links of a dag-cbor block: every CBOR tag 42 over a byte string (a 0x00 prefix, then a binary CID),
/// as the DAG-CBOR spec encodes them. A scanner only; it does not build the data model.
/// </summary>
public static class DagCborLinks
{
    /// <summary>The IPLD CID tag.</summary>
    public const ulong CidTag = 42;

    /// <summary>Nesting bound: DAG-CBOR from honest writers is shallow; deeper input is hostile and would exhaust the stack.</summary>
    public const int MaxDepth = 256;

    /// <summary>Appends the CIDs linked from <paramref name="block"/>; FormatException on malformed or non-DAG-CBOR input.</summary>
    public static void Extract(ReadOnlySpan<byte> block, List<Cid> links)
    {
        var position = 0;
        ReadItem(block, ref position, links, 0);
        if (position != block.Length) throw new FormatException($"dag-cbor: {block.Length - position} bytes after the top-level item");
    }

    private static void ReadItem(ReadOnlySpan<byte> data, ref int position, List<Cid> links, int depth)
    {
        if (depth > MaxDepth) throw new FormatException($"dag-cbor: nested deeper than {MaxDepth}");
        if (position >= data.Length) throw new FormatException($"dag-cbor: truncated at byte {position}");
        var start = position;
        var initial = data[position++];
        var major = initial >> 5;
        var argument = ReadArgument(data, ref position, initial & 0x1f, start);
        switch (major)
        {
            case 0 or 1: // integers
                return;
            case 2 or 3: // byte and text strings
                Skip(data, ref position, argument, start);
                return;
            case 4: // array
                for (ulong i = 0; i < argument; i++) ReadItem(data, ref position, links, depth + 1);
                return;
            case 5: // map: keys and values
                for (ulong i = 0; i < argument; i++)
                {
                    ReadItem(data, ref position, links, depth + 1);
                    ReadItem(data, ref position, links, depth + 1);
                }
                return;
            case 6 when argument == CidTag:
                if (position >= data.Length || data[position] >> 5 != 2) throw new FormatException($"dag-cbor: tag 42 at byte {start} is not over a byte string");
                var bytesStart = position;
                var length = ReadArgument(data, ref position, data[position++] & 0x1f, bytesStart);
                Skip(data, ref position, length, bytesStart);
                var content = data.Slice(position - (int)length, (int)length);
                if (content.Length < 2 || content[0] != 0) throw new FormatException($"dag-cbor: CID at byte {start} lacks the 0x00 multibase prefix");
                links.Add(Cid.FromBytes(content[1..]));
                return;
            case 6:
                throw new FormatException($"dag-cbor: tag {argument} at byte {start} (only 42 is allowed)");
            default: // 7: simple values and floats carry no nested items
                return;
        }
    }

    private static ulong ReadArgument(ReadOnlySpan<byte> data, ref int position, int info, int start)
    {
        if (info < 24) return (ulong)info;
        var size = info switch
        {
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            _ => throw new FormatException($"dag-cbor: additional info {info} at byte {start} (indefinite lengths are not DAG-CBOR)"),
        };
        if (data.Length - position < size) throw new FormatException($"dag-cbor: truncated at byte {start}");
        ulong value = 0;
        for (var i = 0; i < size; i++) value = (value << 8) | data[position++];
        return value;
    }

    private static void Skip(ReadOnlySpan<byte> data, ref int position, ulong length, int start)
    {
        if (length > (ulong)(data.Length - position)) throw new FormatException($"dag-cbor: string at byte {start} runs past the end of the block");
        position += (int)length;
    }
}
