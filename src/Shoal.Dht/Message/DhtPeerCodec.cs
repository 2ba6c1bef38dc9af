using Google.Protobuf;
using Shoal.Dht.Wire;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>Converts between the wire's Peer entries and <see cref="PeerInfo"/>, bounding what is kept.</summary>
public static class DhtPeerCodec
{
    /// <summary>Decodes up to <see cref="DhtConstants.MaxPeersPerList"/> valid entries; bad ids and addresses are skipped.</summary>
    public static List<PeerInfo> Decode(IReadOnlyList<DhtMessage.Types.Peer> peers)
    {
        int count = Math.Min(peers.Count, DhtConstants.MaxPeersPerList);
        var result = new List<PeerInfo>(count);
        for (int i = 0; i < count; i++)
        {
            var info = TryDecode(peers[i]);
            if (info is not null) result.Add(info);
        }
        return result;
    }

    /// <summary>Decodes one entry, or null when its id is not a valid peer id.</summary>
    public static PeerInfo? TryDecode(DhtMessage.Types.Peer peer)
    {
        if (peer.Id.Length == 0 || peer.Id.Length > DhtConstants.MaxPeerIdLength)
        {
            return null;
        }
        PeerId id;
        try
        {
            id = PeerId.FromBytes(peer.Id.Span);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidDataException)
        {
            return null;
        }
        int count = Math.Min(peer.Addrs.Count, DhtConstants.MaxAddressesPerPeer);
        var addresses = new List<Multiaddr>(count);
        for (int i = 0; i < count; i++)
        {
            var bytes = peer.Addrs[i];
            if (bytes.Length == 0 || bytes.Length > DhtConstants.MaxAddressLength) continue;
            try
            {
                addresses.Add(Multiaddr.FromBytes(bytes.Span));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidDataException or NotSupportedException)
            {
                // An address with a protocol we do not know is useless to us, not an error.
            }
        }
        return new PeerInfo(id, addresses, [], null);
    }

    public static DhtMessage.Types.Peer Encode(PeerId id, IEnumerable<Multiaddr> addresses, DhtMessage.Types.ConnectionType connection = DhtMessage.Types.ConnectionType.NotConnected)
    {
        var peer = new DhtMessage.Types.Peer { Id = ByteString.CopyFrom(id.Bytes.Span), Connection = connection };
        foreach (var address in addresses)
        {
            peer.Addrs.Add(ByteString.CopyFrom(address.ToBytes()));
        }
        return peer;
    }
}
