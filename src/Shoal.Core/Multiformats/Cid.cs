using System.Diagnostics.CodeAnalysis;

namespace Shoal.Core;

/// <summary>A content identifier. v0 is a bare sha2-256 multihash (implicitly dag-pb, base58btc text);
/// v1 is <c>varint(1) varint(codec) multihash</c>, base32 lower text by default.</summary>
public sealed class Cid : IEquatable<Cid>, IComparable<Cid>
{
    /// <summary>Longest CID text accepted by <see cref="Parse"/>; the binary form is bounded by the
    /// multihash digest limit, so text beyond this is never a valid CID.</summary>
    public const int MaxTextLength = 4096;

    private readonly byte[] _bytes;
    private string? _text;

    /// <summary>The hash of <see cref="_bytes"/>, computed once: CIDs key the wantlists, ledgers and stores, and
    /// hashing 36 bytes at every lookup was a measurable share of a 1,000-node simulation.</summary>
    private readonly int _hash;

    private Cid(int version, ulong codec, Multihash hash, byte[] bytes)
    {
        Version = version;
        Codec = codec;
        Hash = hash;
        _bytes = bytes;
        _hash = StableHash.Of(bytes);
    }

    public int Version { get; }

    public ulong Codec { get; }

    public Multihash Hash { get; }

    /// <summary>Binary form (v0 = the bare multihash).</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    public static Cid Create(int version, ulong codec, Multihash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (version == 0)
        {
            if (codec != MulticodecCode.DagPb) throw new ArgumentException("CIDv0 is always dag-pb", nameof(codec));
            if (hash.Code != MulticodecCode.Sha2_256 || hash.Digest.Length != 32)
                throw new ArgumentException("CIDv0 requires a 32-byte sha2-256 multihash", nameof(hash));
            var v0 = hash.Bytes.ToArray();
            return new Cid(0, codec, Multihash.Wrap(v0), v0);
        }
        if (version != 1) throw new ArgumentOutOfRangeException(nameof(version), "CID version must be 0 or 1");
        var mh = hash.Bytes.Span;
        int prefix = 1 + Varint.SizeOf(codec);
        var bytes = new byte[prefix + mh.Length];
        bytes[0] = 1;
        Varint.Write(bytes.AsSpan(1), codec);
        mh.CopyTo(bytes.AsSpan(prefix));
        return new Cid(1, codec, Multihash.Wrap(bytes.AsMemory(prefix)), bytes);
    }

    /// <summary>Hashes <paramref name="data"/> and builds the CID, writing the digest straight into the CID bytes.</summary>
    public static Cid Compute(int version, ulong codec, ReadOnlySpan<byte> data, ulong hashCode = MulticodecCode.Sha2_256)
    {
        if (version == 0 && (codec != MulticodecCode.DagPb || hashCode != MulticodecCode.Sha2_256))
            throw new ArgumentException("CIDv0 is always dag-pb with sha2-256");
        if (version is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(version), "CID version must be 0 or 1");
        int digestLength = hashCode == MulticodecCode.Identity ? data.Length : Multihash.DigestLengthOf(hashCode);
        if (digestLength < 0) throw new NotSupportedException($"hash function {MulticodecCode.NameOf(hashCode)} is not supported");
        if (digestLength > Multihash.MaxDigestLength) throw new ArgumentException("identity data too long for a CID", nameof(data));
        int prefix = version == 0 ? 0 : 1 + Varint.SizeOf(codec);
        int mhHeader = Varint.SizeOf(hashCode) + Varint.SizeOf((ulong)digestLength);
        var bytes = new byte[prefix + mhHeader + digestLength];
        if (version == 1)
        {
            bytes[0] = 1;
            Varint.Write(bytes.AsSpan(1), codec);
        }
        int o = prefix + Varint.Write(bytes.AsSpan(prefix), hashCode);
        Varint.Write(bytes.AsSpan(o), (ulong)digestLength);
        Multihash.ComputeDigest(hashCode, data, bytes.AsSpan(prefix + mhHeader));
        return new Cid(version, codec, Multihash.Wrap(bytes.AsMemory(prefix)), bytes);
    }

    /// <summary>Parses CID text: v0 base58btc (<c>Qm…</c>) or any supported multibase v1.</summary>
    public static Cid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new FormatException("CID text is empty");
        if (text.Length > MaxTextLength) throw new FormatException($"CID text longer than {MaxTextLength} characters");
        byte[] bytes;
        if (text.Length == 46 && text.StartsWith("Qm", StringComparison.Ordinal))
        {
            bytes = Base58.Decode(text);
            var v0 = FromBytes(bytes);
            if (v0.Version != 0) throw new FormatException("base58 CID without multibase prefix must be CIDv0");
            return v0;
        }
        // A multibase string holding a bare sha2-256 multihash is read as CIDv0, as go-cid and js multiformats do.
        return FromBytes(Multibase.Decode(text));
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Cid? cid)
    {
        cid = null;
        if (text is null) return false;
        try
        {
            cid = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Parses exactly one binary CID spanning all of <paramref name="bytes"/>.</summary>
    public static Cid FromBytes(ReadOnlySpan<byte> bytes)
    {
        var cid = Read(bytes, out int read);
        if (read != bytes.Length) throw new FormatException($"CID has {bytes.Length - read} trailing bytes");
        return cid;
    }

    /// <summary>Reads one binary CID from the start of <paramref name="source"/> (CAR sections, protobuf fields).</summary>
    public static Cid Read(ReadOnlySpan<byte> source, out int bytesRead)
    {
        if (source.Length >= 2 && source[0] == 0x12 && source[1] == 0x20)
        {
            if (source.Length < 34) throw new FormatException("CIDv0 truncated: expected 34 bytes");
            var v0 = source[..34].ToArray();
            bytesRead = 34;
            return new Cid(0, MulticodecCode.DagPb, Multihash.Wrap(v0), v0);
        }
        ulong version = Varint.Read(source, out int a);
        if (version != 1)
            throw new FormatException(version == 0 ? "CIDv0 must be a bare sha2-256 multihash" : $"unsupported CID version {version}");
        ulong codec = Varint.Read(source[a..], out int b);
        int prefix = a + b;
        int digest = Multihash.ParseHeader(source[prefix..], out _, out int mhHeader);
        int total = prefix + mhHeader + digest;
        var bytes = source[..total].ToArray();
        bytesRead = total;
        return new Cid(1, codec, Multihash.Wrap(bytes.AsMemory(prefix)), bytes);
    }

    public Cid ToV1() => Version == 1 ? this : Create(1, Codec, Hash);

    /// <summary>v0 → base58btc; v1 → base32 lower (libp2p-key → base36, as Kubo prints keys).</summary>
    public override string ToString() => _text ??= Version == 0
        ? Base58.Encode(_bytes)
        : Multibase.Encode(Codec == MulticodecCode.Libp2pKey ? MultibaseEncoding.Base36Lower : MultibaseEncoding.Base32Lower, _bytes);

    public string ToString(MultibaseEncoding encoding)
    {
        if (Version == 0)
        {
            if (encoding != MultibaseEncoding.Base58Btc) throw new InvalidOperationException("CIDv0 has only the base58btc form; call ToV1() first");
            return ToString();
        }
        return Multibase.Encode(encoding, _bytes);
    }

    public bool Equals(Cid? other)
        => ReferenceEquals(this, other) || (other is not null && other._hash == _hash && _bytes.AsSpan().SequenceEqual(other._bytes));

    public override bool Equals(object? obj) => obj is Cid c && Equals(c);

    public override int GetHashCode() => _hash;

    public int CompareTo(Cid? other) => other is null ? 1 : _bytes.AsSpan().SequenceCompareTo(other._bytes);

    public static bool operator ==(Cid? a, Cid? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(Cid? a, Cid? b) => !(a == b);
}
