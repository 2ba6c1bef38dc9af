using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Shoal.Net;

/// <summary>Noise CipherState for ChaChaPoly: a key and a 64-bit counter nonce (4 zero bytes + little-endian counter).</summary>
internal sealed class NoiseCipherState : IDisposable
{
    public const int TagLength = 16;
    public const int KeyLength = 32;

    private ChaCha20Poly1305? _aead;
    private ulong _nonce;

    public bool HasKey => _aead is not null;

    public void InitializeKey(ReadOnlySpan<byte> key)
    {
        _aead?.Dispose();
        _aead = new ChaCha20Poly1305(key);
        _nonce = 0;
    }

    /// <summary>Writes ciphertext||tag (or the plaintext unchanged when no key yet) and returns its length.</summary>
    public int EncryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (_aead is null)
        {
            plaintext.CopyTo(destination);
            return plaintext.Length;
        }
        if (_nonce == ulong.MaxValue) throw new NoiseException("Noise nonce exhausted; the connection must be closed.");
        Span<byte> nonce = stackalloc byte[12];
        MakeNonce(nonce, _nonce);
        _aead.Encrypt(nonce, plaintext, destination[..plaintext.Length], destination.Slice(plaintext.Length, TagLength), ad);
        _nonce++;
        return plaintext.Length + TagLength;
    }

    /// <summary>Decrypts ciphertext||tag into <paramref name="destination"/>; throws <see cref="NoiseException"/> on a bad MAC.</summary>
    public int DecryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        if (_aead is null)
        {
            ciphertext.CopyTo(destination);
            return ciphertext.Length;
        }
        if (ciphertext.Length < TagLength) throw new NoiseException($"Noise ciphertext of {ciphertext.Length} bytes is shorter than its tag.");
        if (_nonce == ulong.MaxValue) throw new NoiseException("Noise nonce exhausted; the connection must be closed.");
        Span<byte> nonce = stackalloc byte[12];
        MakeNonce(nonce, _nonce);
        int length = ciphertext.Length - TagLength;
        try
        {
            _aead.Decrypt(nonce, ciphertext[..length], ciphertext[length..], destination[..length], ad);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new NoiseException($"Noise decryption failed (bad MAC) at nonce {_nonce}.", e);
        }
        _nonce++;
        return length;
    }

    private static void MakeNonce(Span<byte> nonce, ulong counter)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], counter);
    }

    public void Dispose() => _aead?.Dispose();
}
