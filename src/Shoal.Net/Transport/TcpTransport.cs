using System.Net;
using System.Net.Sockets;

namespace Shoal.Net;

/// <summary>TCP over sockets: listens on <c>/ip4|ip6/…/tcp/…</c> (port 0 allowed), dials those and <c>/dns|dns4|dns6/…/tcp/…</c>.</summary>
public sealed class TcpTransport : ITransport
{
    /// <summary>Pending accept queue per listener; a burst of peers dialling at once should not be refused.</summary>
    private const int ListenBacklog = 512;

    public bool CanDial(Multiaddr address)
    {
        var c = address.Components;
        if (c.Count < 2 || c[1].Protocol != MultiaddrProtocol.Tcp) return false;
        var p = c[0].Protocol;
        if (p != MultiaddrProtocol.Ip4 && p != MultiaddrProtocol.Ip6 && p != MultiaddrProtocol.Dns && p != MultiaddrProtocol.Dns4 && p != MultiaddrProtocol.Dns6) return false;
        // Only /p2p may follow; /ws, /tls, /p2p-circuit are other transports.
        for (int i = 2; i < c.Count; i++) if (c[i].Protocol != MultiaddrProtocol.P2p) return false;
        return true;
    }

    public bool CanListen(Multiaddr address) => address.Components.Count == 2 && address.ToTcpEndPoint() is not null;

    public async Task<ITransportConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken = default)
    {
        if (!CanDial(address)) throw new ArgumentException($"TCP cannot dial '{address}'.", nameof(address));
        var endPoint = await ResolveAsync(address, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new SocketConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<IPEndPoint> ResolveAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        var direct = address.ToTcpEndPoint();
        if (direct is not null) return direct;
        var c = address.Components;
        string host = c[0].ValueText;
        int port = int.Parse(c[1].ValueText, System.Globalization.CultureInfo.InvariantCulture);
        var family = c[0].Protocol == MultiaddrProtocol.Dns4 ? AddressFamily.InterNetwork
            : c[0].Protocol == MultiaddrProtocol.Dns6 ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;
        var addresses = await Dns.GetHostAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0) throw new IOException($"DNS name '{host}' resolved to no address.");
        return new IPEndPoint(addresses[0], port);
    }

    public Task<ITransportListener> ListenAsync(Multiaddr address, CancellationToken cancellationToken = default)
    {
        var endPoint = address.ToTcpEndPoint();
        if (endPoint is null || address.Components.Count != 2) throw new ArgumentException($"TCP cannot listen on '{address}'.", nameof(address));
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(ListenBacklog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return Task.FromResult<ITransportListener>(new Listener(socket));
    }

    private sealed class Listener(Socket socket) : ITransportListener
    {
        public Multiaddr ListenAddress { get; } = Multiaddr.FromTcpEndPoint((IPEndPoint)socket.LocalEndPoint!);

        public async ValueTask<ITransportConnection> AcceptAsync(CancellationToken cancellationToken = default)
        {
            var accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            return new SocketConnection(accepted);
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
