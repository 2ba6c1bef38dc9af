using System.Security.Cryptography;

namespace Shoal.Net;

/// <summary>Noise SymmetricState with SHA-256: chaining key, handshake hash and the handshake CipherState.</summary>
internal sealed class NoiseSymmetricState : IDisposable
{
    public const int HashLength = 32;

    private readonly byte[] _ck = new byte[HashLength];
    private readonly byte[] _h = new byte[HashLength];

    public NoiseSymmetricState(ReadOnlySpan<byte> protocolName)
    {
        if (protocolName.Length <= HashLength) protocolName.CopyTo(_h);
        else SHA256.HashData(protocolName, _h);
        _h.CopyTo(_ck, 0);
    }

    public NoiseCipherState Cipher { get; } = new();
    public ReadOnlySpan<byte> HandshakeHash => _h;

    public void MixKey(ReadOnlySpan<byte> inputKeyMaterial)
    {
        Span<byte> output = stackalloc byte[2 * HashLength];
        Hkdf(_ck, inputKeyMaterial, output);
        output[..HashLength].CopyTo(_ck);
        Cipher.InitializeKey(output.Slice(HashLength, NoiseCipherState.KeyLength));
        CryptographicOperations.ZeroMemory(output);
    }

    public void MixHash(ReadOnlySpan<byte> data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(_h);
        hash.AppendData(data);
        hash.GetHashAndReset(_h);
    }

    public int EncryptAndHash(ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        int n = Cipher.EncryptWithAd(_h, plaintext, destination);
        MixHash(destination[..n]);
        return n;
    }

    public int DecryptAndHash(ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        int n = Cipher.DecryptWithAd(_h, ciphertext, destination);
        MixHash(ciphertext);
        return n;
    }

    /// <summary>Derives the two transport CipherStates (first: initiator to responder).</summary>
    public (NoiseCipherState First, NoiseCipherState Second) Split()
    {
        Span<byte> output = stackalloc byte[2 * HashLength];
        Hkdf(_ck, ReadOnlySpan<byte>.Empty, output);
        var c1 = new NoiseCipherState();
        var c2 = new NoiseCipherState();
        c1.InitializeKey(output[..NoiseCipherState.KeyLength]);
        c2.InitializeKey(output.Slice(HashLength, NoiseCipherState.KeyLength));
        CryptographicOperations.ZeroMemory(output);
        return (c1, c2);
    }

    /// <summary>
    /// Noise's HKDF(ck, ikm) with two outputs: RFC 5869 HKDF-SHA256 with salt = ck and empty info, written out with
    /// HMAC because OpenSSL's HKDF refuses the empty key material that Split() uses.
    /// </summary>
    private static void Hkdf(ReadOnlySpan<byte> chainingKey, ReadOnlySpan<byte> inputKeyMaterial, Span<byte> output)
    {
        Span<byte> temp = stackalloc byte[HashLength];
        Span<byte> block = stackalloc byte[HashLength + 1];
        HMACSHA256.HashData(chainingKey, inputKeyMaterial, temp);
        block[0] = 1;
        HMACSHA256.HashData(temp, block[..1], output[..HashLength]);
        output[..HashLength].CopyTo(block);
        block[HashLength] = 2;
        HMACSHA256.HashData(temp, block, output.Slice(HashLength, HashLength));
        CryptographicOperations.ZeroMemory(temp);
    }

    public void Dispose() => Cipher.Dispose();
}
