using NSec.Cryptography;

namespace Shoal.Net;

/// <summary>An X25519 key pair for Noise (NSec; exportable so the raw shared secret can feed the Noise HKDF).</summary>
internal sealed class X25519KeyPair : IDisposable
{
    public const int KeyLength = 32;

    private readonly Key _key;

    private X25519KeyPair(Key key)
    {
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    public byte[] PublicKey { get; }

    public static X25519KeyPair Generate() => new(Key.Create(KeyAgreementAlgorithm.X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    public static X25519KeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey) =>
        new(Key.Import(KeyAgreementAlgorithm.X25519, privateKey, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>DH(self, remote) into <paramref name="destination"/> (32 bytes). Throws on a low-order remote key.</summary>
    public void Agree(ReadOnlySpan<byte> remotePublicKey, Span<byte> destination)
    {
        if (remotePublicKey.Length != KeyLength) throw new NoiseException($"X25519 public key must be {KeyLength} bytes, got {remotePublicKey.Length}.");
        var remote = NSec.Cryptography.PublicKey.Import(KeyAgreementAlgorithm.X25519, remotePublicKey, KeyBlobFormat.RawPublicKey);
        using var secret = KeyAgreementAlgorithm.X25519.Agree(_key, remote, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport })
            ?? throw new NoiseException("X25519 agreement failed (low-order public key).");
        var raw = secret.Export(SharedSecretBlobFormat.RawSharedSecret);
        raw.CopyTo(destination);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(raw);
    }

    public void Dispose() => _key.Dispose();
}
