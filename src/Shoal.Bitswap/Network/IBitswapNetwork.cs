using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>The narrow seam between Bitswap and a transport: libp2p streams (<see cref="Libp2pBitswapNetwork"/>),
/// an in-process hub (<see cref="InMemoryBitswapNetwork"/>), or the Lab's simulated links.</summary>
public interface IBitswapNetwork : IAsyncDisposable
{
    PeerId LocalPeer { get; }

    /// <summary>Starts reporting peers and messages to <paramref name="listener"/> (once).</summary>
    void Start(IBitswapNetworkListener listener);

    /// <summary>Sends one message; completes when it is written (the server's flow control waits on this).
    /// Throws when the peer cannot be reached.</summary>
    ValueTask SendMessageAsync(PeerId peer, BitswapMessage message, CancellationToken ct = default);

    /// <summary>Dials a peer (addresses known to the transport); the listener hears OnPeerConnected on success.</summary>
    Task ConnectAsync(PeerId peer, CancellationToken ct = default);

    /// <summary>How far the bytes sent to <paramref name="peer"/> have got (handed to the kernel, and how many of those are
    /// not on the wire yet); null where the network cannot tell, and then a message counts as sent once written.</summary>
    SendQueueState? SendQueue(PeerId peer) => null;

    /// <summary>Drops a misbehaving peer.</summary>
    ValueTask DisconnectAsync(PeerId peer, CancellationToken ct = default);
}
