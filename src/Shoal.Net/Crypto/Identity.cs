using System.Security.Cryptography;
using Google.Protobuf;
using NSec.Cryptography;
using Shoal.Net.Protos;

namespace Shoal.Net;

/// <summary>This node's Ed25519 identity: signs Noise handshakes and names the node (its <see cref="PeerId"/>).</summary>
public sealed class Identity
{
    /// <summary>Ed25519 seeds (RFC 8032 private keys) are 32 bytes.</summary>
    public const int SeedLength = 32;

    private readonly Key _key;
    private readonly byte[] _seed;

    private Identity(byte[] seed)
    {
        _seed = seed;
        _key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        PublicKey = new PublicKey(KeyType.Ed25519, _key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        PeerId = PeerId.FromPublicKey(PublicKey);
    }

    public PeerId PeerId { get; }
    public PublicKey PublicKey { get; }

    public static Identity Generate() => new(RandomNumberGenerator.GetBytes(SeedLength));

    /// <summary>A deterministic identity from a 32-byte Ed25519 seed (js-libp2p: <c>generateKeyPairFromSeed('Ed25519', seed)</c>).</summary>
    public static Identity FromSeed(ReadOnlySpan<byte> seed32)
    {
        if (seed32.Length != SeedLength) throw new ArgumentException($"An Ed25519 seed is {SeedLength} bytes, got {seed32.Length}.", nameof(seed32));
        return new Identity(seed32.ToArray());
    }

    /// <summary>Signs with Ed25519 (RFC 8032), the scheme libp2p uses for Ed25519 keys.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(_key, message);

    /// <summary>The libp2p <c>PrivateKey</c> protobuf (Ed25519 data = seed || public key, as go and js store it).</summary>
    public byte[] ExportPrivateKey()
    {
        var data = new byte[64];
        _seed.CopyTo(data, 0);
        PublicKey.Data.Span.CopyTo(data.AsSpan(32));
        return new PrivateKeyProto { Type = Protos.KeyType.Ed25519, Data = ByteString.CopyFrom(data) }.ToByteArray();
    }

    public static Identity ImportPrivateKey(ReadOnlySpan<byte> libp2pPrivateKeyProtobuf)
    {
        PrivateKeyProto proto;
        try { proto = PrivateKeyProto.Parser.ParseFrom(libp2pPrivateKeyProtobuf); }
        catch (InvalidProtocolBufferException e) { throw new FormatException("Malformed PrivateKey protobuf: " + e.Message, e); }
        if (!proto.HasType || proto.Type != Protos.KeyType.Ed25519) throw new FormatException("Only Ed25519 private keys are supported.");
        var data = proto.Data.Span;
        // 64 bytes is seed||public; 96 is an old go format with the public key repeated; 32 is a bare seed.
        if (data.Length is not (32 or 64 or 96)) throw new FormatException($"Ed25519 private key data must be 32, 64 or 96 bytes, got {data.Length}.");
        var identity = new Identity(data[..32].ToArray());
        if (data.Length >= 64 && !data.Slice(32, 32).SequenceEqual(identity.PublicKey.Data.Span))
            throw new FormatException("Ed25519 private key's embedded public key does not match its seed.");
        return identity;
    }
}
