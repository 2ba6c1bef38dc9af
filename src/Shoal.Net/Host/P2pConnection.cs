namespace Shoal.Net;

/// <summary>One secured, multiplexed connection to a peer: transport + Noise + Yamux.</summary>
public sealed class P2pConnection : IAsyncDisposable
{
    private readonly ITransportConnection _transport;
    private readonly NoiseSecureChannel _channel;
    private int _disposed;

    internal P2pConnection(ITransportConnection transport, NoiseSecureChannel channel, YamuxSession session, bool outbound)
    {
        _transport = transport;
        _channel = channel;
        Session = session;
        IsOutbound = outbound;
    }

    public PeerId RemotePeer => _channel.RemotePeer;
    public PublicKey RemotePublicKey => _channel.RemotePublicKey;
    public Multiaddr RemoteAddress => _transport.RemoteAddress;
    public Multiaddr LocalAddress => _transport.LocalAddress;
    public bool IsOutbound { get; }
    public YamuxSession Session { get; }
    public bool IsClosed => Session.IsClosed;

    /// <summary>How far this connection's outgoing bytes have got (TCP on Linux); null where the transport cannot say.
    /// Lets a sender count a message as sent once its bytes have left the host, not when the kernel buffered them.</summary>
    public SendQueueState? SendQueue => _transport is SocketConnection socket ? socket.SendQueue : null;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Each layer is torn down even if the one above fails, so no socket outlives its connection.
        try { await Session.DisposeAsync().ConfigureAwait(false); }
        finally
        {
            try { await _channel.DisposeAsync().ConfigureAwait(false); }
            finally { await _transport.DisposeAsync().ConfigureAwait(false); }
        }
    }
}
