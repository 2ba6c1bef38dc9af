using System.Security.Cryptography;

namespace Shoal.Core;

/// <summary>A self-describing hash: varint code, varint digest length, digest.</summary>
public sealed class Multihash : IEquatable<Multihash>
{
    /// <summary>Longest digest accepted from the wire; identity hashes carry inline data (peer ids, tiny
    /// blocks) and Kubo caps identity CIDs at 128 bytes, so 1 KiB leaves room without inviting abuse.</summary>
    public const int MaxDigestLength = 1024;

    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly int _digestOffset;

    private Multihash(ulong code, ReadOnlyMemory<byte> bytes, int digestOffset)
    {
        Code = code;
        _bytes = bytes;
        _digestOffset = digestOffset;
    }

    public ulong Code { get; }

    public ReadOnlyMemory<byte> Digest => _bytes[_digestOffset..];

    /// <summary>The binary form: code, length, digest.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>Digest length in bytes of the hash functions Shoal computes, or -1.</summary>
    public static int DigestLengthOf(ulong code) => code switch
    {
        MulticodecCode.Sha2_256 => SHA256.HashSizeInBytes,
        MulticodecCode.Sha2_512 => SHA512.HashSizeInBytes,
        MulticodecCode.Blake3 => 32,
        _ => -1,
    };

    public static bool IsSupported(ulong code) => code == MulticodecCode.Identity || DigestLengthOf(code) > 0;

    /// <summary>Hashes <paramref name="data"/> with identity, sha2-256, sha2-512 or blake3 (32 bytes).</summary>
    public static Multihash Sum(ulong code, ReadOnlySpan<byte> data)
    {
        int digestLength = code == MulticodecCode.Identity ? data.Length : DigestLengthOf(code);
        if (digestLength < 0) throw new NotSupportedException($"hash function {MulticodecCode.NameOf(code)} is not supported");
        if (code == MulticodecCode.Identity && digestLength > MaxDigestLength)
            throw new ArgumentException($"identity multihash data is limited to {MaxDigestLength} bytes", nameof(data));
        int header = Varint.SizeOf(code) + Varint.SizeOf((ulong)digestLength);
        var bytes = new byte[header + digestLength];
        int o = Varint.Write(bytes, code);
        Varint.Write(bytes.AsSpan(o), (ulong)digestLength);
        ComputeDigest(code, data, bytes.AsSpan(header));
        return new Multihash(code, bytes, header);
    }

    /// <summary>Writes the raw digest of <paramref name="data"/> (full native length) into destination.</summary>
    internal static void ComputeDigest(ulong code, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        switch (code)
        {
            case MulticodecCode.Identity: data.CopyTo(destination); break;
            case MulticodecCode.Sha2_256: SHA256.HashData(data, destination); break;
            case MulticodecCode.Sha2_512: SHA512.HashData(data, destination); break;
            case MulticodecCode.Blake3: global::Blake3.Hasher.Hash(data, destination); break;
            default: throw new NotSupportedException($"hash function {MulticodecCode.NameOf(code)} is not supported");
        }
    }

    /// <summary>Builds a multihash from a code and an existing digest.</summary>
    public static Multihash Create(ulong code, ReadOnlySpan<byte> digest)
    {
        if (digest.Length > MaxDigestLength) throw new ArgumentException($"digest longer than {MaxDigestLength} bytes", nameof(digest));
        int header = Varint.SizeOf(code) + Varint.SizeOf((ulong)digest.Length);
        var bytes = new byte[header + digest.Length];
        int o = Varint.Write(bytes, code);
        Varint.Write(bytes.AsSpan(o), (ulong)digest.Length);
        digest.CopyTo(bytes.AsSpan(header));
        return new Multihash(code, bytes, header);
    }

    /// <summary>Parses exactly one multihash spanning all of <paramref name="bytes"/>.</summary>
    public static Multihash FromBytes(ReadOnlySpan<byte> bytes)
    {
        var mh = Read(bytes, out int read);
        if (read != bytes.Length) throw new FormatException($"multihash has {bytes.Length - read} trailing bytes");
        return mh;
    }

    /// <summary>Reads one multihash from the start of <paramref name="source"/>.</summary>
    public static Multihash Read(ReadOnlySpan<byte> source, out int bytesRead)
    {
        int len = ParseHeader(source, out ulong code, out int header);
        var bytes = source[..(header + len)].ToArray();
        bytesRead = bytes.Length;
        return new Multihash(code, bytes, header);
    }

    /// <summary>Wraps a slice of an existing buffer (already validated by the caller's parser) without copying.</summary>
    internal static Multihash Wrap(ReadOnlyMemory<byte> exact)
    {
        int len = ParseHeader(exact.Span, out ulong code, out int header);
        if (header + len != exact.Length) throw new FormatException("multihash length mismatch");
        return new Multihash(code, exact, header);
    }

    /// <summary>Validates the header at the start of source; returns the digest length.</summary>
    internal static int ParseHeader(ReadOnlySpan<byte> source, out ulong code, out int headerLength)
    {
        code = Varint.Read(source, out int a);
        int len = Varint.ReadLength(source[a..], MaxDigestLength, "multihash digest", out int b);
        headerLength = a + b;
        if (source.Length - headerLength < len)
            throw new FormatException($"multihash digest truncated: expected {len} bytes, have {source.Length - headerLength}");
        int native = DigestLengthOf(code);
        if (native > 0 && len > native)
            throw new FormatException($"{MulticodecCode.NameOf(code)} digest length {len} exceeds {native}");
        return len;
    }

    /// <summary>Re-hashes <paramref name="data"/> and compares with this digest (truncated digests compare a prefix).</summary>
    public bool Matches(ReadOnlySpan<byte> data)
    {
        var digest = Digest.Span;
        if (Code == MulticodecCode.Identity) return data.SequenceEqual(digest);
        int native = DigestLengthOf(Code);
        if (native < 0) throw new NotSupportedException($"hash function {MulticodecCode.NameOf(Code)} is not supported");
        Span<byte> computed = stackalloc byte[64];
        ComputeDigest(Code, data, computed[..native]);
        return computed[..digest.Length].SequenceEqual(digest);
    }

    public bool Equals(Multihash? other) => other is not null && _bytes.Span.SequenceEqual(other._bytes.Span);

    public override bool Equals(object? obj) => obj is Multihash m && Equals(m);

    public override int GetHashCode()
    {
        return StableHash.Of(_bytes.Span);
    }

    public static bool operator ==(Multihash? a, Multihash? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(Multihash? a, Multihash? b) => !(a == b);

    /// <summary>Base58btc text, the conventional display form.</summary>
    public override string ToString() => Base58.Encode(_bytes.Span);
}
