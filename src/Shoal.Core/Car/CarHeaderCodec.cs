using System.Text;

namespace Shoal.Core;

/// <summary>The tiny slice of DAG-CBOR a CAR header needs: <c>{"roots": [tag42(0x00 || cid)...], "version": 1}</c>
/// (keys in DAG-CBOR order: shorter first), and the CARv2 pragma <c>{"version": 2}</c>.</summary>
internal static class CarHeaderCodec
{
    private const int MajorUnsigned = 0, MajorBytes = 2, MajorText = 3, MajorArray = 4, MajorMap = 5, MajorTag = 6;

    /// <summary>CBOR tag for an IPLD link.</summary>
    private const ulong CidTag = 42;

    /// <summary>Roots beyond this are not a header anyone writes; bounds allocation on read.</summary>
    public const int MaxRoots = 65536;

    public static byte[] Encode(IReadOnlyList<Cid> roots)
    {
        var ms = new MemoryStream();
        WriteHead(ms, MajorMap, 2);
        WriteText(ms, "roots");
        WriteHead(ms, MajorArray, (ulong)roots.Count);
        foreach (var root in roots)
        {
            WriteHead(ms, MajorTag, CidTag);
            WriteHead(ms, MajorBytes, (ulong)root.Bytes.Length + 1);
            ms.WriteByte(0); // multibase identity prefix required by the DAG-CBOR link encoding
            ms.Write(root.Bytes.Span);
        }
        WriteText(ms, "version");
        WriteHead(ms, MajorUnsigned, 1);
        return ms.ToArray();
    }

    private static void WriteText(MemoryStream ms, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        WriteHead(ms, MajorText, (ulong)bytes.Length);
        ms.Write(bytes);
    }

    private static void WriteHead(MemoryStream ms, int major, ulong value)
    {
        int m = major << 5;
        if (value < 24) ms.WriteByte((byte)(m | (int)value));
        else if (value <= byte.MaxValue) { ms.WriteByte((byte)(m | 24)); ms.WriteByte((byte)value); }
        else if (value <= ushort.MaxValue) { ms.WriteByte((byte)(m | 25)); ms.WriteByte((byte)(value >> 8)); ms.WriteByte((byte)value); }
        else if (value <= uint.MaxValue)
        {
            ms.WriteByte((byte)(m | 26));
            for (int i = 3; i >= 0; i--) ms.WriteByte((byte)(value >> (8 * i)));
        }
        else
        {
            ms.WriteByte((byte)(m | 27));
            for (int i = 7; i >= 0; i--) ms.WriteByte((byte)(value >> (8 * i)));
        }
    }

    /// <summary>Decodes a header: version (1 or 2) and, for version 1, the roots. Throws <see cref="InvalidDataException"/>.</summary>
    public static (ulong Version, List<Cid> Roots) Decode(ReadOnlySpan<byte> bytes)
    {
        int o = 0;
        var (major, entries) = ReadHead(bytes, ref o);
        if (major != MajorMap) throw Bad("header is not a CBOR map");
        ulong? version = null;
        List<Cid>? roots = null;
        for (ulong i = 0; i < entries; i++)
        {
            string key = ReadText(bytes, ref o);
            switch (key)
            {
                case "version":
                    if (version is not null) throw Bad("duplicate 'version'");
                    var (vm, v) = ReadHead(bytes, ref o);
                    if (vm != MajorUnsigned) throw Bad("'version' is not an unsigned integer");
                    version = v;
                    break;
                case "roots":
                    if (roots is not null) throw Bad("duplicate 'roots'");
                    var (am, count) = ReadHead(bytes, ref o);
                    if (am != MajorArray) throw Bad("'roots' is not an array");
                    if (count > MaxRoots) throw Bad($"{count} roots exceeds {MaxRoots}");
                    roots = new List<Cid>((int)count);
                    for (ulong r = 0; r < count; r++) roots.Add(ReadLink(bytes, ref o));
                    break;
                default:
                    throw Bad($"unexpected key '{key}'");
            }
        }
        if (o != bytes.Length) throw Bad($"{bytes.Length - o} trailing bytes after the header map");
        if (version is null) throw Bad("missing 'version'");
        if (version == 1 && (roots is null || roots.Count == 0)) throw Bad("a CARv1 header needs at least one root");
        return (version.Value, roots ?? []);
    }

    private static Cid ReadLink(ReadOnlySpan<byte> bytes, ref int o)
    {
        var (tm, tag) = ReadHead(bytes, ref o);
        if (tm != MajorTag || tag != CidTag) throw Bad("root is not a CID (tag 42)");
        var (bm, len) = ReadHead(bytes, ref o);
        if (bm != MajorBytes) throw Bad("CID link is not a byte string");
        if (len > (ulong)(bytes.Length - o) || len < 2) throw Bad("CID link length out of range");
        var raw = bytes.Slice(o, (int)len);
        o += (int)len;
        if (raw[0] != 0) throw Bad("CID link lacks the 0x00 multibase prefix");
        try
        {
            return Cid.FromBytes(raw[1..]);
        }
        catch (FormatException e)
        {
            throw Bad("invalid root CID: " + e.Message);
        }
    }

    private static string ReadText(ReadOnlySpan<byte> bytes, ref int o)
    {
        var (m, len) = ReadHead(bytes, ref o);
        if (m != MajorText) throw Bad("map key is not a text string");
        if (len > (ulong)(bytes.Length - o)) throw Bad("map key runs past the header");
        var s = Encoding.UTF8.GetString(bytes.Slice(o, (int)len));
        o += (int)len;
        return s;
    }

    private static (int Major, ulong Value) ReadHead(ReadOnlySpan<byte> bytes, ref int o)
    {
        if (o >= bytes.Length) throw Bad("header truncated");
        byte b = bytes[o++];
        int major = b >> 5, info = b & 31;
        if (info < 24) return (major, (ulong)info);
        int n = info switch { 24 => 1, 25 => 2, 26 => 4, 27 => 8, _ => throw Bad($"unsupported CBOR additional info {info} (indefinite lengths are not DAG-CBOR)") };
        if (bytes.Length - o < n) throw Bad("header truncated");
        ulong v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | bytes[o++];
        return (major, v);
    }

    private static InvalidDataException Bad(string message) => new("CAR header: " + message);
}
