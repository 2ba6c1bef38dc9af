using Google.Protobuf;
using Shoal.Net.Protos;

namespace Shoal.Net;

/// <summary>The identify protocol (<c>/ipfs/id/1.0.0</c>, push <c>/ipfs/id/push/1.0.0</c>): ask a peer who it is and tell peers who we are.</summary>
public static class IdentifyService
{
    public const string ProtocolId = "/ipfs/id/1.0.0";
    public const string PushProtocolId = "/ipfs/id/push/1.0.0";
    /// <summary>go and js cap one identify message at 8 KiB (signed peer record plus addresses fit easily).</summary>
    public const int MaxMessageSize = 8 * 1024;
    /// <summary>Messages merged per identify exchange (the spec allows splitting; go reads up to 10).</summary>
    public const int MaxMessages = 10;

    /// <summary>Asks <paramref name="peer"/> (dialling it if needed) for its identify record.</summary>
    public static async Task<IdentifyResult> IdentifyAsync(IP2pHost host, PeerId peer, CancellationToken cancellationToken = default)
    {
        var stream = await host.OpenStreamAsync(peer, [ProtocolId], cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
            return await ReadAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads identify messages until the peer closes, merges them and checks the key against the connection's peer.</summary>
    public static async Task<IdentifyResult> ReadAsync(IP2pStream stream, CancellationToken cancellationToken)
    {
        var merged = new IdentifyMessage();
        int count = 0;
        while (count < MaxMessages)
        {
            var bytes = await LengthPrefixedFrame.ReadAsync(stream.Input, MaxMessageSize, cancellationToken).ConfigureAwait(false);
            if (bytes is null) break;
            try { merged.MergeFrom(bytes); }
            catch (InvalidProtocolBufferException e) { throw new InvalidDataException("Malformed identify message: " + e.Message, e); }
            count++;
        }
        if (count == 0) throw new InvalidDataException($"Peer {stream.RemotePeer} closed identify without a message.");
        return ToResult(stream.RemotePeer, merged);
    }

    internal static IdentifyResult ToResult(PeerId peer, IdentifyMessage message)
    {
        PublicKey? key = null;
        if (message.HasPublicKey)
        {
            try { key = PublicKey.FromProtobuf(message.PublicKey.Span); }
            catch (FormatException e) { throw new InvalidDataException("Identify carries a malformed public key: " + e.Message, e); }
            if (!peer.Matches(key)) throw new InvalidDataException($"Identify public key does not belong to {peer}.");
        }
        var addresses = new List<Multiaddr>();
        foreach (var raw in message.ListenAddrs)
        {
            // Skip addresses of transports we do not know rather than failing the whole record.
            try { addresses.Add(Multiaddr.FromBytes(raw.Span)); }
            catch (FormatException) { }
        }
        Multiaddr? observed = null;
        if (message.HasObservedAddr)
        {
            try { observed = Multiaddr.FromBytes(message.ObservedAddr.Span); }
            catch (FormatException) { }
        }
        return new IdentifyResult(peer, key,
            message.HasProtocolVersion ? message.ProtocolVersion : null,
            message.HasAgentVersion ? message.AgentVersion : null,
            addresses, message.Protocols.ToArray(), observed);
    }

    internal static byte[] BuildMessage(P2pHost host, Multiaddr? observed)
    {
        var message = new IdentifyMessage
        {
            ProtocolVersion = host.Options.ProtocolVersion,
            AgentVersion = host.Options.AgentVersion,
            PublicKey = ByteString.CopyFrom(host.Identity.PublicKey.ToProtobuf()),
        };
        foreach (var address in host.ListenAddresses) message.ListenAddrs.Add(ByteString.CopyFrom(address.WithoutPeerId().AsSpan()));
        if (observed is not null) message.ObservedAddr = ByteString.CopyFrom(observed.AsSpan());
        message.Protocols.AddRange(host.Protocols);
        return message.ToByteArray();
    }

    /// <summary>Handler for <c>/ipfs/id/1.0.0</c>: write our record and close.</summary>
    internal static async Task HandleAsync(P2pHost host, IP2pStream stream, CancellationToken cancellationToken)
    {
        var observed = (stream as P2pStream)?.Connection.RemoteAddress;
        LengthPrefixedFrame.Write(stream.Output, BuildMessage(host, observed));
        await stream.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Handler for <c>/ipfs/id/push/1.0.0</c>: the peer tells us what changed; merge it into the peer store.</summary>
    internal static async Task HandlePushAsync(P2pHost host, IP2pStream stream, CancellationToken cancellationToken)
    {
        var result = await ReadAsync(stream, cancellationToken).ConfigureAwait(false);
        host.OnIdentified(stream.RemotePeer, result);
    }
}
