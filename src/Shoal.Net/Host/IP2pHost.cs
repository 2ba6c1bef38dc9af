namespace Shoal.Net;

/// <summary>A libp2p host: listens, dials, keeps one connection per peer and routes streams by protocol id.</summary>
public interface IP2pHost : IAsyncDisposable
{
    PeerId LocalPeer { get; }
    IReadOnlyList<Multiaddr> ListenAddresses { get; }
    IReadOnlyCollection<PeerId> ConnectedPeers { get; }
    event Action<PeerId>? PeerConnected;
    event Action<PeerId>? PeerDisconnected;
    /// <summary>Dials <paramref name="address"/> (with or without <c>/p2p/</c>; with it the remote identity is checked) and returns the peer.</summary>
    Task<PeerId> ConnectAsync(Multiaddr address, CancellationToken ct = default);
    /// <summary>Opens a stream speaking the first of <paramref name="protocols"/> the peer accepts; dials known addresses if not connected.</summary>
    Task<IP2pStream> OpenStreamAsync(PeerId peer, IReadOnlyList<string> protocols, CancellationToken ct = default);
    /// <summary>Routes inbound streams of <paramref name="protocol"/> to <paramref name="handler"/>; the stream is disposed when the handler returns.</summary>
    void SetStreamHandler(string protocol, Func<IP2pStream, CancellationToken, Task> handler);
    /// <summary>Addresses, protocols and agent learned (identify) or added for a peer.</summary>
    PeerInfo? GetPeerInfo(PeerId peer);
    void AddAddresses(PeerId peer, IEnumerable<Multiaddr> addresses);
}
