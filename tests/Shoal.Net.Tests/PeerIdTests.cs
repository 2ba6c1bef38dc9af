using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using Shoal.Core;

namespace Shoal.Net.Tests;

public class PeerIdTests
{
    // libp2p/specs peer-ids.md test vectors (protobuf hex); expected ids from js-libp2p (Ed25519, secp256k1) and a
    // Python sha256/base58 computation (ECDSA, which @libp2p/crypto 5 cannot parse).
    private const string Ed25519Private = "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private const string Ed25519Public = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private const string Secp256k1Public = "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
    private const string EcdsaPublic = "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";

    [Fact]
    public void Ed25519_spec_vector_imports_and_names_the_same_peer_as_js()
    {
        var identity = Identity.ImportPrivateKey(Convert.FromHexString(Ed25519Private));
        Assert.Equal(Ed25519Public, Convert.ToHexString(identity.PublicKey.ToProtobuf()).ToLowerInvariant());
        Assert.Equal("12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq", identity.PeerId.ToString());
        Assert.Equal("bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6", identity.PeerId.ToCidString());
        Assert.Equal(Ed25519Private, Convert.ToHexString(identity.ExportPrivateKey()).ToLowerInvariant());
    }

    [Theory]
    [InlineData(Secp256k1Public, "16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY", MulticodecCode.Identity)]
    [InlineData(EcdsaPublic, "QmVMT29id3TUASyfZZ6k9hmNyc2nYabCo4uMSpDw4zrgDk", MulticodecCode.Sha2_256)]
    public void Spec_public_keys_give_the_expected_peer_ids(string publicKeyHex, string expected, ulong hashCode)
    {
        var key = PublicKey.FromProtobuf(Convert.FromHexString(publicKeyHex));
        var id = key.ToPeerId();
        Assert.Equal(expected, id.ToString());
        Assert.Equal(hashCode, id.Multihash.Code);
        Assert.Equal(id, PeerId.Parse(expected));
        Assert.Equal(id, PeerId.Parse(id.ToCidString()));
    }

    [Fact]
    public void A_known_RSA_peer_id_parses_in_both_text_forms()
    {
        var id = PeerId.Parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        Assert.Equal(MulticodecCode.Sha2_256, id.Multihash.Code);
        Assert.Equal("12209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9", Convert.ToHexString(id.Bytes.Span).ToLowerInvariant());
        Assert.Equal("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", id.ToCidString());
        Assert.Equal(id, PeerId.Parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe"));
        Assert.Null(id.TryGetPublicKey());
    }

    [Fact]
    public void Ed25519_peer_ids_carry_their_key()
    {
        var identity = Identity.FromSeed(new byte[32]);
        Assert.StartsWith("12D3KooW", identity.PeerId.ToString());
        Assert.Equal(identity.PublicKey, identity.PeerId.TryGetPublicKey());
        Assert.Equal(identity.PeerId, Identity.FromSeed(new byte[32]).PeerId);
        Assert.Equal(identity.PeerId, PeerId.FromBytes(identity.PeerId.Bytes.Span));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12D3KooW0000")]                                        // '0' is not base58
    [InlineData("QmShort")]                                             // truncated multihash
    [InlineData("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")] // a raw CID, not libp2p-key
    [InlineData("not a peer id")]
    public void Bad_peer_ids_are_rejected_with_a_FormatException(string text)
    {
        Assert.Throws<FormatException>(() => PeerId.Parse(text));
        Assert.False(PeerId.TryParse(text, out _));
    }

    [Fact]
    public void A_peer_id_with_another_hash_function_is_rejected()
    {
        var blake3 = Multihash.Sum(MulticodecCode.Blake3, "x"u8);
        var error = Assert.Throws<FormatException>(() => PeerId.FromBytes(blake3.Bytes.Span));
        Assert.Contains("neither identity nor sha2-256", error.Message);
    }

    [Fact]
    public void Ed25519_signatures_verify_and_tampering_fails()
    {
        var identity = Identity.Generate();
        var signature = identity.Sign("message"u8);
        Assert.True(identity.PublicKey.Verify("message"u8, signature));
        Assert.False(identity.PublicKey.Verify("messagf"u8, signature));
        Assert.False(identity.PublicKey.Verify("message"u8, signature.AsSpan(1)));
    }

    [Fact]
    public void Rsa_keys_verify_pkcs1_sha256_and_short_keys_are_refused()
    {
        using var rsa = RSA.Create(2048);
        var key = new PublicKey(KeyType.Rsa, rsa.ExportSubjectPublicKeyInfo());
        var signature = rsa.SignData("hello"u8.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.True(key.Verify("hello"u8, signature));
        Assert.False(key.Verify("hellp"u8, signature));
        Assert.StartsWith("Qm", key.ToPeerId().ToString()); // long keys are hashed
        Assert.Equal(key, PublicKey.FromProtobuf(key.ToProtobuf()));

        using var weak = RSA.Create(1024);
        var weakKey = new PublicKey(KeyType.Rsa, weak.ExportSubjectPublicKeyInfo());
        Assert.False(weakKey.Verify("hello"u8, weak.SignData("hello"u8.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
    }

    [Fact]
    public void Ecdsa_p256_keys_verify_der_signatures()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = new PublicKey(KeyType.Ecdsa, ecdsa.ExportSubjectPublicKeyInfo());
        var signature = ecdsa.SignData("hello"u8.ToArray(), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        Assert.True(key.Verify("hello"u8, signature));
        Assert.False(key.Verify("jello"u8, signature));
    }

    [Fact]
    public void Secp256k1_keys_verify_der_signatures_over_sha256()
    {
        var curve = SecNamedCurves.GetByName("secp256k1");
        var domain = new ECDomainParameters(curve.Curve, curve.G, curve.N, curve.H);
        var d = new Org.BouncyCastle.Math.BigInteger(1, RandomNumberGenerator.GetBytes(32)).Mod(curve.N);
        var privateKey = new ECPrivateKeyParameters(d, domain);
        var publicPoint = curve.G.Multiply(d).Normalize();
        var signer = new ECDsaSigner();
        signer.Init(true, new ParametersWithRandom(privateKey, new SecureRandom()));
        var rs = signer.GenerateSignature(SHA256.HashData("hello"u8));
        var der = new DerSequence(new DerInteger(rs[0]), new DerInteger(rs[1])).GetDerEncoded();
        var key = new PublicKey(KeyType.Secp256k1, publicPoint.GetEncoded(true));
        Assert.True(key.Verify("hello"u8, der));
        Assert.False(key.Verify("hellO"u8, der));
        Assert.False(key.Verify("hello"u8, [0x30, 0x00]));
        Assert.StartsWith("16Uiu2", key.ToPeerId().ToString());
    }

    [Fact]
    public void Malformed_key_envelopes_are_rejected()
    {
        Assert.Throws<FormatException>(() => PublicKey.FromProtobuf([0x08, 0x01]));                   // no data
        Assert.Throws<FormatException>(() => PublicKey.FromProtobuf([0x08, 0x01, 0x12, 0x02, 1, 2])); // 2-byte Ed25519 key
        Assert.Throws<FormatException>(() => PublicKey.FromProtobuf([0xff, 0xff]));
        Assert.Throws<FormatException>(() => PublicKey.FromProtobuf(new byte[PublicKey.MaxEncodedLength + 1]));
    }
}
