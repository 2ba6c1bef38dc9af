using System.Security.Cryptography;
using Google.Protobuf;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Shoal.Net.Protos;

namespace Shoal.Net;

/// <summary>A libp2p public key as peers present it (the <c>PublicKey</c> protobuf); verifies signatures of any key type libp2p uses.</summary>
public sealed class PublicKey : IEquatable<PublicKey>
{
    /// <summary>Largest encoded key envelope we accept: an 8192-bit RSA PKIX key is about 1.1 KB, so 4 KiB leaves room and bounds allocation.</summary>
    public const int MaxEncodedLength = 4096;
    /// <summary>go-libp2p and js-libp2p refuse RSA keys below 2048 bits.</summary>
    public const int MinRsaBits = 2048;
    /// <summary>go-libp2p refuses RSA keys above 8192 bits (verification cost).</summary>
    public const int MaxRsaBits = 8192;

    private readonly byte[] _data;
    private byte[]? _encoded;

    public PublicKey(KeyType type, ReadOnlySpan<byte> data)
    {
        Type = type;
        _data = data.ToArray();
        if (type == KeyType.Ed25519 && _data.Length != 32) throw new FormatException($"Ed25519 public key must be 32 bytes, got {_data.Length}.");
        if (type == KeyType.Secp256k1 && _data.Length != 33) throw new FormatException($"secp256k1 public key must be 33 bytes (compressed), got {_data.Length}.");
        if (!Enum.IsDefined(type)) throw new FormatException($"Unknown key type {(int)type}.");
    }

    public KeyType Type { get; }
    /// <summary>The key material in the type's own format (raw Ed25519, PKIX DER for RSA/ECDSA, compressed point for secp256k1).</summary>
    public ReadOnlyMemory<byte> Data => _data;

    /// <summary>The deterministic <c>PublicKey</c> protobuf encoding (type then data).</summary>
    public byte[] ToProtobuf()
    {
        return _encoded ??= new PublicKeyProto { Type = (Protos.KeyType)Type, Data = ByteString.CopyFrom(_data) }.ToByteArray();
    }

    public static PublicKey FromProtobuf(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length > MaxEncodedLength) throw new FormatException($"Public key envelope of {encoded.Length} bytes exceeds {MaxEncodedLength}.");
        PublicKeyProto proto;
        try { proto = PublicKeyProto.Parser.ParseFrom(encoded); }
        catch (InvalidProtocolBufferException e) { throw new FormatException("Malformed PublicKey protobuf: " + e.Message, e); }
        if (!proto.HasType || !proto.HasData) throw new FormatException("PublicKey protobuf lacks Type or Data.");
        return new PublicKey((KeyType)proto.Type, proto.Data.Span);
    }

    public PeerId ToPeerId() => PeerId.FromPublicKey(this);

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="message"/> with this key's libp2p signature scheme. Never throws on bad input.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        try
        {
            return Type switch
            {
                KeyType.Ed25519 => VerifyEd25519(message, signature),
                KeyType.Rsa => VerifyRsa(message, signature),
                KeyType.Ecdsa => VerifyEcdsa(message, signature),
                KeyType.Secp256k1 => VerifySecp256k1(message, signature),
                _ => false,
            };
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException or InvalidOperationException or IOException)
        {
            return false;
        }
    }

    private bool VerifyEd25519(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        var alg = NSec.Cryptography.SignatureAlgorithm.Ed25519;
        if (!NSec.Cryptography.PublicKey.TryImport(alg, _data, NSec.Cryptography.KeyBlobFormat.RawPublicKey, out var key) || key is null) return false;
        return alg.Verify(key, message, signature);
    }

    private bool VerifyRsa(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(_data, out _);
        if (rsa.KeySize < MinRsaBits || rsa.KeySize > MaxRsaBits) return false;
        return rsa.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    private bool VerifyEcdsa(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(_data, out _);
        return ecdsa.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    private bool VerifySecp256k1(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        var curve = SecNamedCurves.GetByName("secp256k1");
        var domain = new ECDomainParameters(curve.Curve, curve.G, curve.N, curve.H);
        var point = curve.Curve.DecodePoint(_data);
        var seq = Asn1Sequence.GetInstance(signature.ToArray());
        if (seq.Count != 2) return false;
        BigInteger r = DerInteger.GetInstance(seq[0]).PositiveValue, s = DerInteger.GetInstance(seq[1]).PositiveValue;
        var signer = new ECDsaSigner();
        signer.Init(false, new ECPublicKeyParameters(point, domain));
        return signer.VerifySignature(SHA256.HashData(message), r, s);
    }

    public bool Equals(PublicKey? other) => other is not null && other.Type == Type && other._data.AsSpan().SequenceEqual(_data);
    public override bool Equals(object? obj) => Equals(obj as PublicKey);
    public override int GetHashCode() { var h = new HashCode(); h.Add(Type); h.AddBytes(_data); return h.ToHashCode(); }
}
