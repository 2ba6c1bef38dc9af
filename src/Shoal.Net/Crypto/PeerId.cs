using Shoal.Core;

namespace Shoal.Net;

/// <summary>A libp2p peer id: the identity multihash of a short key envelope (Ed25519, <c>12D3KooW…</c>) or the sha2-256 multihash of a long one (RSA, <c>Qm…</c>).</summary>
public sealed class PeerId : IEquatable<PeerId>
{
    /// <summary>Keys whose protobuf envelope is at most this long are inlined (identity multihash), per the peer-ids spec.</summary>
    public const int MaxInlineKeyLength = 42;
    /// <summary>An identity multihash of a 42-byte key plus its 2-byte prefix, or a sha2-256 multihash (34 bytes); anything longer is not a peer id.</summary>
    public const int MaxBytesLength = 64;

    private readonly int _hash;

    private PeerId(Multihash multihash)
    {
        Multihash = multihash;
        _hash = StableHash.Of(multihash.Bytes.Span);
    }

    public Multihash Multihash { get; }
    /// <summary>The binary form used on the wire (the raw multihash).</summary>
    public ReadOnlyMemory<byte> Bytes => Multihash.Bytes;

    public static PeerId FromPublicKey(PublicKey key)
    {
        var encoded = key.ToProtobuf();
        var mh = encoded.Length <= MaxInlineKeyLength
            ? Multihash.Sum(MulticodecCode.Identity, encoded)
            : Multihash.Sum(MulticodecCode.Sha2_256, encoded);
        return new PeerId(mh);
    }

    public static PeerId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0 || bytes.Length > MaxBytesLength) throw new FormatException($"A peer id is 1..{MaxBytesLength} bytes, got {bytes.Length}.");
        var mh = Multihash.FromBytes(bytes);
        return Validate(mh);
    }

    private static PeerId Validate(Multihash mh)
    {
        if (mh.Code == MulticodecCode.Identity)
        {
            if (mh.Digest.Length > MaxInlineKeyLength) throw new FormatException($"Identity peer id inlines {mh.Digest.Length} bytes, more than {MaxInlineKeyLength}.");
        }
        else if (mh.Code == MulticodecCode.Sha2_256)
        {
            if (mh.Digest.Length != 32) throw new FormatException("A sha2-256 peer id must carry a 32-byte digest.");
        }
        else
        {
            throw new FormatException($"Peer id multihash code 0x{mh.Code:x} is neither identity nor sha2-256.");
        }
        return new PeerId(mh);
    }

    /// <summary>Parses base58btc (<c>12D3KooW…</c>, <c>Qm…</c>) or a CIDv1 with codec libp2p-key in any multibase.</summary>
    public static PeerId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new FormatException("Empty peer id.");
        if (text.Length > 200) throw new FormatException("Peer id text too long.");
        if (text.StartsWith("Qm", StringComparison.Ordinal) || text[0] == '1')
        {
            byte[] bytes;
            try { bytes = Base58.Decode(text); }
            catch (FormatException e) { throw new FormatException($"Peer id '{text}' is not valid base58btc: {e.Message}", e); }
            return FromBytes(bytes);
        }
        Cid cid;
        try { cid = Cid.Parse(text); }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException)
        {
            throw new FormatException($"Peer id '{text}' is neither base58btc nor a CIDv1: {e.Message}", e);
        }
        if (cid.Version != 1 || cid.Codec != MulticodecCode.Libp2pKey)
            throw new FormatException($"CID '{text}' is not a libp2p-key (0x72) CIDv1.");
        return Validate(cid.Hash);
    }

    public static bool TryParse(string? text, out PeerId? peerId)
    {
        peerId = null;
        if (string.IsNullOrEmpty(text)) return false;
        try { peerId = Parse(text); return true; }
        catch (FormatException) { return false; }
    }

    /// <summary>The public key inlined in an identity peer id, or null for hashed (RSA) ids.</summary>
    public PublicKey? TryGetPublicKey()
    {
        if (Multihash.Code != MulticodecCode.Identity) return null;
        try { return PublicKey.FromProtobuf(Multihash.Digest.Span); }
        catch (FormatException) { return null; }
    }

    /// <summary>True when <paramref name="key"/> is the key this id names.</summary>
    public bool Matches(PublicKey key) => Equals(FromPublicKey(key));

    public override string ToString() => Base58.Encode(Multihash.Bytes.Span);

    /// <summary>The CIDv1 text form (<c>bafzaa…</c>/<c>bafzbei…</c>, base32, codec libp2p-key).</summary>
    public string ToCidString() => Cid.Create(1, MulticodecCode.Libp2pKey, Multihash).ToString(MultibaseEncoding.Base32Lower);

    public bool Equals(PeerId? other)
        => ReferenceEquals(this, other) || (other is not null && other._hash == _hash && other.Multihash.Bytes.Span.SequenceEqual(Multihash.Bytes.Span));
    public override bool Equals(object? obj) => Equals(obj as PeerId);
    public override int GetHashCode() => _hash;
    public static bool operator ==(PeerId? a, PeerId? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(PeerId? a, PeerId? b) => !(a == b);
}
