using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Shoal.Dht;

/// <summary>
/// A point in the 256-bit Kademlia keyspace: SHA-256 of a peer id's bytes or of a content key (a multihash).
/// Held as four big-endian words so XOR distance and ordering cost a few instructions and no allocation.
/// </summary>
public readonly struct KadKey : IEquatable<KadKey>
{
    /// <summary>Size of a key in bytes (SHA-256 output).</summary>
    public const int Length = 32;

    /// <summary>Number of bits, and so the number of k-buckets.</summary>
    public const int Bits = 256;

    private readonly ulong _w0, _w1, _w2, _w3;

    private KadKey(ulong w0, ulong w1, ulong w2, ulong w3)
    {
        _w0 = w0; _w1 = w1; _w2 = w2; _w3 = w3;
    }

    /// <summary>Maps arbitrary key bytes (peer id bytes, multihash bytes) into the keyspace by hashing them.</summary>
    public static KadKey Hash(ReadOnlySpan<byte> keyBytes)
    {
        Span<byte> digest = stackalloc byte[Length];
        SHA256.HashData(keyBytes, digest);
        return FromDigest(digest);
    }

    /// <summary>Wraps an already hashed 32-byte value.</summary>
    public static KadKey FromDigest(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != Length)
        {
            throw new ArgumentException($"A Kademlia key is {Length} bytes, got {digest.Length}.", nameof(digest));
        }
        return new KadKey(
            BinaryPrimitives.ReadUInt64BigEndian(digest),
            BinaryPrimitives.ReadUInt64BigEndian(digest[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(digest[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(digest[24..]));
    }

    /// <summary>XOR distance to another key.</summary>
    public KadKey Xor(in KadKey other) => new(_w0 ^ other._w0, _w1 ^ other._w1, _w2 ^ other._w2, _w3 ^ other._w3);

    /// <summary>Number of leading bits shared with <paramref name="other"/> (256 when equal): the k-bucket index.</summary>
    public int CommonPrefixLength(in KadKey other)
    {
        ulong x = _w0 ^ other._w0;
        if (x != 0) return System.Numerics.BitOperations.LeadingZeroCount(x);
        x = _w1 ^ other._w1;
        if (x != 0) return 64 + System.Numerics.BitOperations.LeadingZeroCount(x);
        x = _w2 ^ other._w2;
        if (x != 0) return 128 + System.Numerics.BitOperations.LeadingZeroCount(x);
        x = _w3 ^ other._w3;
        if (x != 0) return 192 + System.Numerics.BitOperations.LeadingZeroCount(x);
        return Bits;
    }

    /// <summary>
    /// Compares the distances of <paramref name="a"/> and <paramref name="b"/> to this key:
    /// negative when <paramref name="a"/> is closer.
    /// </summary>
    public int CompareDistance(in KadKey a, in KadKey b)
    {
        int c = (a._w0 ^ _w0).CompareTo(b._w0 ^ _w0);
        if (c != 0) return c;
        c = (a._w1 ^ _w1).CompareTo(b._w1 ^ _w1);
        if (c != 0) return c;
        c = (a._w2 ^ _w2).CompareTo(b._w2 ^ _w2);
        if (c != 0) return c;
        return (a._w3 ^ _w3).CompareTo(b._w3 ^ _w3);
    }

    /// <summary>Writes the 32 bytes of the key.</summary>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    public bool Equals(KadKey other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    public override bool Equals(object? obj) => obj is KadKey k && Equals(k);

    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);

    public static bool operator ==(KadKey left, KadKey right) => left.Equals(right);

    public static bool operator !=(KadKey left, KadKey right) => !left.Equals(right);

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
