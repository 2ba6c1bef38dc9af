using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>What a network reports to Bitswap. Called from network threads; implementations hand the
/// events to their own loop and return quickly (a slow return is backpressure on that peer's stream).</summary>
public interface IBitswapNetworkListener
{
    void OnPeerConnected(PeerId peer, BitswapProtocolVersion version);

    void OnPeerDisconnected(PeerId peer);

    /// <summary>The network measured the path's round trip to the peer (a libp2p ping); networks that do not measure
    /// never call it.</summary>
    void OnPeerPathMeasured(PeerId peer, TimeSpan roundTrip) { }

    /// <summary>A decoded, verified message. May wait for room in the listener's queue.</summary>
    ValueTask OnMessageReceivedAsync(PeerId peer, BitswapMessage message, CancellationToken ct);
}
