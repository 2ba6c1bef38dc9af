using System.Formats.Cbor;

namespace Shoal.Core;

/// <summary>The CAR header in DAG-CBOR with <see cref="CborWriter"/>/<see cref="CborReader"/>:
/// <c>{"roots": [tag42(0x00 || cid)...], "version": 1}</c> (keys in DAG-CBOR's canonical order: shorter first, then
/// bytewise), and the CARv2 pragma <c>{"version": 2}</c>. Byte-exact with the headers go-car (Kubo) and Helia write.</summary>
internal static class CarHeaderCodec
{
    /// <summary>CBOR tag for an IPLD link (the DAG-CBOR spec's CID tag).</summary>
    private const CborTag CidTag = (CborTag)42;

    /// <summary>Roots beyond this are not a header anyone writes; bounds allocation on read.</summary>
    public const int MaxRoots = 65536;

    private const string RootsKey = "roots", VersionKey = "version";

    public static byte[] Encode(IReadOnlyList<Cid> roots)
    {
        // Canonical mode: definite lengths, shortest integer heads, and map keys checked in length-first order.
        var writer = new CborWriter(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: false);
        writer.WriteStartMap(2);
        writer.WriteTextString(RootsKey);
        writer.WriteStartArray(roots.Count);
        var link = new byte[1 + MaxCidBytes(roots)];
        foreach (var root in roots)
        {
            writer.WriteTag(CidTag);
            link[0] = 0; // the identity multibase prefix DAG-CBOR puts before a binary CID
            root.Bytes.Span.CopyTo(link.AsSpan(1));
            writer.WriteByteString(link.AsSpan(0, 1 + root.Bytes.Length));
        }
        writer.WriteEndArray();
        writer.WriteTextString(VersionKey);
        writer.WriteUInt64(1);
        writer.WriteEndMap();
        return writer.Encode();
    }

    private static int MaxCidBytes(IReadOnlyList<Cid> roots)
    {
        var max = 0;
        foreach (var r in roots) max = Math.Max(max, r.Bytes.Length);
        return max;
    }

    /// <summary>Decodes a header: version (1 or 2) and, for version 1, the roots. Throws <see cref="InvalidDataException"/>.</summary>
    public static (ulong Version, List<Cid> Roots) Decode(ReadOnlyMemory<byte> bytes)
    {
        // Strict: well-formed CBOR, no duplicate keys, valid UTF-8; indefinite lengths are refused below (not DAG-CBOR).
        var reader = new CborReader(bytes, CborConformanceMode.Strict);
        try
        {
            if (reader.PeekState() != CborReaderState.StartMap) throw Bad("header is not a CBOR map");
            var entries = reader.ReadStartMap() ?? throw Bad("indefinite-length map (not DAG-CBOR)");
            ulong? version = null;
            List<Cid>? roots = null;
            for (var i = 0; i < entries; i++)
            {
                if (reader.PeekState() != CborReaderState.TextString) throw Bad("map key is not a text string");
                var key = reader.ReadTextString();
                switch (key)
                {
                    case VersionKey:
                        if (reader.PeekState() != CborReaderState.UnsignedInteger) throw Bad("'version' is not an unsigned integer");
                        version = reader.ReadUInt64();
                        break;
                    case RootsKey:
                        if (reader.PeekState() != CborReaderState.StartArray) throw Bad("'roots' is not an array");
                        var count = reader.ReadStartArray() ?? throw Bad("indefinite-length 'roots' (not DAG-CBOR)");
                        if (count > MaxRoots) throw Bad($"{count} roots exceeds {MaxRoots}");
                        roots = new List<Cid>(count);
                        for (var r = 0; r < count; r++) roots.Add(ReadLink(reader));
                        reader.ReadEndArray();
                        break;
                    default:
                        throw Bad($"unexpected key '{key}'");
                }
            }
            reader.ReadEndMap();
            if (reader.BytesRemaining != 0) throw Bad($"{reader.BytesRemaining} trailing bytes after the header map");
            if (version is null) throw Bad("missing 'version'");
            if (version == 1 && (roots is null || roots.Count == 0)) throw Bad("a CARv1 header needs at least one root");
            return (version.Value, roots ?? []);
        }
        catch (CborContentException e)
        {
            throw Bad(e.Message);
        }
        catch (InvalidOperationException e) when (e is not ObjectDisposedException)
        {
            throw Bad(e.Message); // the reader's "unexpected data item" (a value of the wrong type, or truncated)
        }
        catch (OverflowException e)
        {
            throw Bad(e.Message);
        }
    }

    private static Cid ReadLink(CborReader reader)
    {
        if (reader.PeekState() != CborReaderState.Tag || reader.ReadTag() != CidTag) throw Bad("root is not a CID (tag 42)");
        if (reader.PeekState() != CborReaderState.ByteString) throw Bad("CID link is not a byte string");
        var raw = reader.ReadByteString();
        if (raw.Length < 2) throw Bad("CID link length out of range");
        if (raw[0] != 0) throw Bad("CID link lacks the 0x00 multibase prefix");
        try
        {
            return Cid.FromBytes(raw.AsSpan(1));
        }
        catch (FormatException e)
        {
            throw Bad("invalid root CID: " + e.Message);
        }
    }

    private static InvalidDataException Bad(string message) => new("CAR header: " + message);
}
