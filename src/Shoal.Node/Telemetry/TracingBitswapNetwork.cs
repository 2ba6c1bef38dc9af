using Shoal.Bitswap;
using Shoal.Net;

namespace Shoal.Node;

/// <summary>Bitswap's network seam with <see cref="BitswapTracing"/> watching the messages that pass; otherwise unchanged.</summary>
internal sealed class TracingBitswapNetwork(IBitswapNetwork inner, BitswapTracing tracing) : IBitswapNetwork, IBitswapNetworkListener
{
    private IBitswapNetworkListener? _listener;

    public PeerId LocalPeer => inner.LocalPeer;

    public void Start(IBitswapNetworkListener listener)
    {
        _listener = listener;
        inner.Start(this);
    }

    public ValueTask SendMessageAsync(PeerId peer, BitswapMessage message, CancellationToken ct = default)
    {
        tracing.MessageSent(peer, message);
        return inner.SendMessageAsync(peer, message, ct);
    }

    public SendQueueState? SendQueue(PeerId peer) => inner.SendQueue(peer);

    public Task ConnectAsync(PeerId peer, CancellationToken ct = default) => inner.ConnectAsync(peer, ct);
    public ValueTask DisconnectAsync(PeerId peer, CancellationToken ct = default) => inner.DisconnectAsync(peer, ct);

    void IBitswapNetworkListener.OnPeerConnected(PeerId peer, BitswapProtocolVersion version) => _listener!.OnPeerConnected(peer, version);
    void IBitswapNetworkListener.OnPeerDisconnected(PeerId peer) => _listener!.OnPeerDisconnected(peer);

    ValueTask IBitswapNetworkListener.OnMessageReceivedAsync(PeerId peer, BitswapMessage message, CancellationToken ct)
    {
        tracing.MessageReceived(peer, message);
        return _listener!.OnMessageReceivedAsync(peer, message, ct);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
