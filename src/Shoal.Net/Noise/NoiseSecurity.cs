using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Google.Protobuf;
using Shoal.Net.Protos;

namespace Shoal.Net;

/// <summary>
/// The libp2p Noise security protocol (<c>/noise</c>): runs the XX handshake over a raw pipe, exchanges signed
/// identity payloads, checks the expected peer id, and returns an encrypted channel.
/// </summary>
public static class NoiseSecurity
{
    public const string ProtocolId = "/noise";
    /// <summary>The prefix libp2p signs before the Noise static key, binding it to the identity key.</summary>
    public static readonly byte[] SignaturePrefix = Encoding.ASCII.GetBytes("noise-libp2p-static-key:");

    /// <summary>Dials side: the dialer must know whom it wants; a different peer fails the handshake.</summary>
    public static Task<NoiseSecureChannel> SecureOutboundAsync(IDuplexPipe transport, Identity identity, PeerId? expectedPeer, CancellationToken cancellationToken = default)
        => RunAsync(transport, identity, initiator: true, expectedPeer, cancellationToken);

    public static Task<NoiseSecureChannel> SecureInboundAsync(IDuplexPipe transport, Identity identity, CancellationToken cancellationToken = default)
        => RunAsync(transport, identity, initiator: false, expectedPeer: null, cancellationToken);

    private static async Task<NoiseSecureChannel> RunAsync(IDuplexPipe transport, Identity identity, bool initiator, PeerId? expectedPeer, CancellationToken cancellationToken)
    {
        using var staticKey = X25519KeyPair.Generate();
        using var handshake = new NoiseXXHandshake(initiator, staticKey);
        byte[] payload = BuildPayload(identity, staticKey.PublicKey);
        NoiseHandshakePayload? remotePayload = null;
        PublicKey? remoteKey = null;
        PeerId? remotePeer = null;
        var buffer = ArrayPool<byte>.Shared.Rent(NoiseFrame.MaxFrameLength);
        try
        {
            for (int step = 0; !handshake.IsComplete; step++)
            {
                if (handshake.IsMyTurn)
                {
                    // Message 1 (the initiator's e) carries no payload; messages 2 and 3 carry each side's identity.
                    int n = handshake.WriteMessage(step == 0 ? ReadOnlySpan<byte>.Empty : payload, buffer);
                    var span = transport.Output.GetSpan(NoiseFrame.HeaderLength + n);
                    BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)n);
                    buffer.AsSpan(0, n).CopyTo(span[NoiseFrame.HeaderLength..]);
                    transport.Output.Advance(NoiseFrame.HeaderLength + n);
                    await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var frame = await ReadFrameAsync(transport.Input, cancellationToken).ConfigureAwait(false);
                    var plain = new byte[frame.Length];
                    int n = handshake.ReadMessage(frame, plain);
                    if (step > 0)
                    {
                        // Verify as soon as the identity arrives: a dialer that reached the wrong peer stops before message 3.
                        remotePayload = ParsePayload(plain.AsSpan(0, n));
                        (remoteKey, remotePeer) = VerifyPayload(remotePayload, handshake.RemoteStaticKey, expectedPeer);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (remotePayload is null || remoteKey is null || remotePeer is null) throw new NoiseException("Noise handshake finished without the peer's identity payload.");
        var muxers = remotePayload.Extensions?.StreamMuxers.ToArray() ?? [];
        var (send, receive) = handshake.Split();
        return new NoiseSecureChannel(transport, send, receive, remotePeer, remoteKey, muxers);
    }

    private static (PublicKey Key, PeerId Peer) VerifyPayload(NoiseHandshakePayload payload, ReadOnlySpan<byte> remoteStaticKey, PeerId? expectedPeer)
    {
        if (!payload.HasIdentityKey || !payload.HasIdentitySig) throw new NoiseException("Noise payload lacks identity_key or identity_sig.");
        PublicKey key;
        try { key = PublicKey.FromProtobuf(payload.IdentityKey.Span); }
        catch (FormatException e) { throw new NoiseException("Noise payload carries a malformed identity key: " + e.Message, e); }
        var signed = new byte[SignaturePrefix.Length + remoteStaticKey.Length];
        SignaturePrefix.CopyTo(signed, 0);
        remoteStaticKey.CopyTo(signed.AsSpan(SignaturePrefix.Length));
        if (!key.Verify(signed, payload.IdentitySig.Span)) throw new NoiseException($"Noise payload signature does not verify for the {key.Type} identity key.");
        var peer = key.ToPeerId();
        if (expectedPeer is not null && peer != expectedPeer)
            throw new NoiseException($"Noise handshake reached peer {peer}, but {expectedPeer} was dialled.");
        return (key, peer);
    }

    private static byte[] BuildPayload(Identity identity, ReadOnlySpan<byte> staticPublicKey)
    {
        var signed = new byte[SignaturePrefix.Length + staticPublicKey.Length];
        SignaturePrefix.CopyTo(signed, 0);
        staticPublicKey.CopyTo(signed.AsSpan(SignaturePrefix.Length));
        // No extensions: an empty muxer list makes both sides negotiate the muxer with multistream-select.
        return new NoiseHandshakePayload
        {
            IdentityKey = ByteString.CopyFrom(identity.PublicKey.ToProtobuf()),
            IdentitySig = ByteString.CopyFrom(identity.Sign(signed)),
        }.ToByteArray();
    }

    private static NoiseHandshakePayload ParsePayload(ReadOnlySpan<byte> bytes)
    {
        try { return NoiseHandshakePayload.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e) { throw new NoiseException("Malformed Noise handshake payload: " + e.Message, e); }
    }

    private static async ValueTask<byte[]> ReadFrameAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            bool found = false;
            try
            {
                if (NoiseFrame.TryRead(ref buffer, out var body))
                {
                    found = true;
                    consumed = buffer.Start;
                    return body.ToArray();
                }
                if (result.IsCompleted) throw new NoiseException("Connection closed during the Noise handshake.");
            }
            finally
            {
                // Only the frame is consumed: transport bytes that follow stay for the secure channel.
                input.AdvanceTo(consumed, found ? consumed : result.Buffer.End);
            }
        }
    }
}
