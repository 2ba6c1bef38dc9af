using System.Security.Cryptography;
using System.Text;

namespace Shoal.Net;

/// <summary>
/// The Noise_XX_25519_ChaChaPoly_SHA256 handshake as a pure state machine: <c>-> e</c>, <c>&lt;- e, ee, s, es</c>, <c>-> s, se</c>.
/// Callers move bytes; this class only computes (so it runs against the published test vectors).
/// </summary>
internal sealed class NoiseXXHandshake : IDisposable
{
    public const string ProtocolName = "Noise_XX_25519_ChaChaPoly_SHA256";
    public const int MessageCount = 3;

    private readonly NoiseSymmetricState _symmetric;
    private readonly X25519KeyPair _static;
    private readonly X25519KeyPair _ephemeral;
    private readonly bool _initiator;
    private byte[]? _remoteEphemeral;
    private byte[]? _remoteStatic;
    private int _step;

    public NoiseXXHandshake(bool initiator, X25519KeyPair staticKey, X25519KeyPair? ephemeralKey = null, ReadOnlySpan<byte> prologue = default)
    {
        _initiator = initiator;
        _static = staticKey;
        _ephemeral = ephemeralKey ?? X25519KeyPair.Generate();
        _symmetric = new NoiseSymmetricState(Encoding.ASCII.GetBytes(ProtocolName));
        _symmetric.MixHash(prologue);
    }

    public bool IsComplete => _step == MessageCount;
    /// <summary>True when the next step is ours to write.</summary>
    public bool IsMyTurn => !IsComplete && (_step % 2 == 0) == _initiator;
    public ReadOnlySpan<byte> RemoteStaticKey => _remoteStatic ?? throw new InvalidOperationException("Remote static key not received yet.");
    public ReadOnlySpan<byte> HandshakeHash => _symmetric.HandshakeHash;

    /// <summary>Upper bound of the next message for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int MaxMessageLength(int payloadLength) => 2 * X25519KeyPair.KeyLength + 2 * NoiseCipherState.TagLength + payloadLength;

    public int WriteMessage(ReadOnlySpan<byte> payload, Span<byte> message)
    {
        if (!IsMyTurn) throw new InvalidOperationException($"Noise XX: not our turn to write (step {_step}).");
        int n = 0;
        Span<byte> dh = stackalloc byte[X25519KeyPair.KeyLength];
        switch (_step)
        {
            case 0: // -> e
                n += WriteEphemeral(message);
                break;
            case 1: // <- e, ee, s, es
                n += WriteEphemeral(message);
                _ephemeral.Agree(_remoteEphemeral!, dh); _symmetric.MixKey(dh);
                n += _symmetric.EncryptAndHash(_static.PublicKey, message[n..]);
                _static.Agree(_remoteEphemeral!, dh); _symmetric.MixKey(dh);
                break;
            case 2: // -> s, se
                n += _symmetric.EncryptAndHash(_static.PublicKey, message[n..]);
                _static.Agree(_remoteEphemeral!, dh); _symmetric.MixKey(dh);
                break;
        }
        CryptographicOperations.ZeroMemory(dh);
        n += _symmetric.EncryptAndHash(payload, message[n..]);
        _step++;
        return n;
    }

    public int ReadMessage(ReadOnlySpan<byte> message, Span<byte> payload)
    {
        if (IsComplete || IsMyTurn) throw new InvalidOperationException($"Noise XX: not our turn to read (step {_step}).");
        int n = 0;
        Span<byte> dh = stackalloc byte[X25519KeyPair.KeyLength];
        const int key = X25519KeyPair.KeyLength;
        switch (_step)
        {
            case 0: // -> e
                Need(message, key);
                _remoteEphemeral = message[..key].ToArray(); _symmetric.MixHash(_remoteEphemeral); n = key;
                break;
            case 1: // <- e, ee, s, es
                Need(message, key + key + NoiseCipherState.TagLength);
                _remoteEphemeral = message[..key].ToArray(); _symmetric.MixHash(_remoteEphemeral); n = key;
                _ephemeral.Agree(_remoteEphemeral, dh); _symmetric.MixKey(dh);
                _remoteStatic = new byte[key];
                _symmetric.DecryptAndHash(message.Slice(n, key + NoiseCipherState.TagLength), _remoteStatic); n += key + NoiseCipherState.TagLength;
                _ephemeral.Agree(_remoteStatic, dh); _symmetric.MixKey(dh);
                break;
            case 2: // -> s, se
                Need(message, key + NoiseCipherState.TagLength);
                _remoteStatic = new byte[key];
                _symmetric.DecryptAndHash(message[..(key + NoiseCipherState.TagLength)], _remoteStatic); n = key + NoiseCipherState.TagLength;
                _ephemeral.Agree(_remoteStatic, dh); _symmetric.MixKey(dh);
                break;
        }
        CryptographicOperations.ZeroMemory(dh);
        var rest = message[n..];
        if (_symmetric.Cipher.HasKey && rest.Length < NoiseCipherState.TagLength) throw new NoiseException($"Noise XX message {_step + 1} is truncated.");
        int payloadLength = _symmetric.DecryptAndHash(rest, payload);
        _step++;
        return payloadLength;
    }

    private void Need(ReadOnlySpan<byte> message, int length)
    {
        if (message.Length < length) throw new NoiseException($"Noise XX message {_step + 1} is {message.Length} bytes, shorter than the {length} it must carry.");
    }

    private int WriteEphemeral(Span<byte> message)
    {
        _ephemeral.PublicKey.CopyTo(message);
        _symmetric.MixHash(_ephemeral.PublicKey);
        return X25519KeyPair.KeyLength;
    }

    /// <summary>Transport ciphers after the third message: (send, receive) for this side.</summary>
    public (NoiseCipherState Send, NoiseCipherState Receive) Split()
    {
        if (!IsComplete) throw new InvalidOperationException("Noise XX handshake not complete.");
        var (c1, c2) = _symmetric.Split();
        return _initiator ? (c1, c2) : (c2, c1);
    }

    public void Dispose()
    {
        _symmetric.Dispose();
        _ephemeral.Dispose();
    }
}
