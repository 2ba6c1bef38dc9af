using System.IO.Pipelines;

namespace Shoal.Net;

/// <summary>A raw, not yet secured connection: a duplex byte pipe with its two addresses.</summary>
public interface ITransportConnection : IDuplexPipe, IAsyncDisposable
{
    Multiaddr LocalAddress { get; }
    Multiaddr RemoteAddress { get; }
}

/// <summary>Accepts raw connections on one address.</summary>
public interface ITransportListener : IAsyncDisposable
{
    /// <summary>The bound address (a port 0 request is resolved to the real port).</summary>
    Multiaddr ListenAddress { get; }
    ValueTask<ITransportConnection> AcceptAsync(CancellationToken cancellationToken = default);
}

/// <summary>A way to reach peers (TCP, in-memory); the host runs multistream, Noise and Yamux on top of any of them.</summary>
public interface ITransport
{
    bool CanDial(Multiaddr address);
    bool CanListen(Multiaddr address);
    Task<ITransportConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken = default);
    Task<ITransportListener> ListenAsync(Multiaddr address, CancellationToken cancellationToken = default);
}
