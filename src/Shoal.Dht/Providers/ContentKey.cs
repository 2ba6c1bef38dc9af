namespace Shoal.Dht;

/// <summary>A DHT key as received on the wire (a multihash for provider records), with value equality.</summary>
public sealed class ContentKey : IEquatable<ContentKey>
{
    private readonly byte[] _bytes;
    private readonly int _hash;

    public ContentKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0 || bytes.Length > DhtConstants.MaxKeyLength)
        {
            throw new ArgumentException($"A DHT key is 1..{DhtConstants.MaxKeyLength} bytes, got {bytes.Length}.", nameof(bytes));
        }
        _bytes = bytes.ToArray();
        var h = new HashCode();
        h.AddBytes(_bytes);
        _hash = h.ToHashCode();
    }

    public ReadOnlyMemory<byte> Bytes => _bytes;

    public KadKey KadKey => KadKey.Hash(_bytes);

    public bool Equals(ContentKey? other) => other is not null && _hash == other._hash && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as ContentKey);

    public override int GetHashCode() => _hash;

    public override string ToString() => Convert.ToHexStringLower(_bytes);
}
