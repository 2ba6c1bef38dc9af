using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Shoal.Net;

/// <summary>
/// The libp2p host: listens on its transports, upgrades every connection (multistream-select → Noise → Yamux), keeps
/// one connection per peer (simultaneous dials are settled the same way on both sides), runs identify, serves ping,
/// and routes inbound streams to handlers by protocol id.
/// </summary>
public sealed class P2pHost : IP2pHost
{
    /// <summary>How long shutdown waits for handlers and connections before abandoning them.</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    private readonly object _lock = new();
    private readonly Dictionary<PeerId, P2pConnection> _connections = new();
    private readonly Dictionary<PeerId, Task<P2pConnection>> _pendingDials = new();
    private readonly ConcurrentDictionary<string, Func<IP2pStream, CancellationToken, Task>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _tasks = new();
    private readonly List<ITransportListener> _listeners = [];
    private readonly List<Multiaddr> _listenAddresses = [];
    private readonly CancellationTokenSource _shutdown = new();
    private int _disposed;

    public P2pHost(HostOptions? options = null)
    {
        Options = options ?? new HostOptions();
        Identity = Options.Identity;
        PeerStore = new PeerStore(Options.MaxAddressesPerPeer);
        SetStreamHandler(IdentifyService.ProtocolId, (s, ct) => IdentifyService.HandleAsync(this, s, ct));
        SetStreamHandler(IdentifyService.PushProtocolId, (s, ct) => IdentifyService.HandlePushAsync(this, s, ct));
        SetStreamHandler(PingService.ProtocolId, PingService.HandleAsync);
    }

    public HostOptions Options { get; }
    public Identity Identity { get; }
    public PeerId LocalPeer => Identity.PeerId;
    public PeerStore PeerStore { get; }
    /// <summary>Stream payload bytes in and out per protocol, since the host was created.</summary>
    public BandwidthCounter Bandwidth { get; } = new();

    public IReadOnlyList<Multiaddr> ListenAddresses
    {
        get { lock (_lock) return _listenAddresses.ToArray(); }
    }

    public IReadOnlyCollection<PeerId> ConnectedPeers
    {
        get { lock (_lock) return _connections.Keys.ToArray(); }
    }

    /// <summary>Protocol ids we accept streams for (what identify advertises).</summary>
    public IReadOnlyCollection<string> Protocols => _handlers.Keys.Order(StringComparer.Ordinal).ToArray();

    public event Action<PeerId>? PeerConnected;
    public event Action<PeerId>? PeerDisconnected;
    /// <summary>Raised when identify with a newly connected peer completes, and again when it pushes a change (its protocols are then in <see cref="GetPeerInfo"/>).</summary>
    public event Action<PeerId, IdentifyResult>? PeerIdentified;

    /// <summary>Starts listening on <see cref="HostOptions.ListenAddresses"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        foreach (var address in Options.ListenAddresses) await ListenAsync(address, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Listens on one more address; returns the bound address (port 0 resolved).</summary>
    public async Task<Multiaddr> ListenAsync(Multiaddr address, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var transport = Options.Transports.FirstOrDefault(t => t.CanListen(address))
            ?? throw new ArgumentException($"No transport can listen on '{address}'.", nameof(address));
        var listener = await transport.ListenAsync(address, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _listeners.Add(listener);
            _listenAddresses.AddRange(Expand(listener.ListenAddress));
        }
        Track(AcceptLoopAsync(listener));
        return listener.ListenAddress;
    }

    public async Task<PeerId> ConnectAsync(Multiaddr address, CancellationToken ct = default)
    {
        var connection = await ConnectCoreAsync(address, ct).ConfigureAwait(false);
        return connection.RemotePeer;
    }

    public async Task<IP2pStream> OpenStreamAsync(PeerId peer, IReadOnlyList<string> protocols, CancellationToken ct = default)
    {
        var connection = await GetConnectionAsync(peer, ct).ConfigureAwait(false);
        return await OpenStreamAsync(connection, protocols, ct).ConfigureAwait(false);
    }

    /// <summary>Opens a stream on a given connection.</summary>
    public async Task<IP2pStream> OpenStreamAsync(P2pConnection connection, IReadOnlyList<string> protocols, CancellationToken ct = default)
    {
        var stream = await connection.Session.OpenStreamAsync(ct).ConfigureAwait(false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Options.StreamNegotiationTimeout);
            var protocol = await MultistreamSelect.SelectAsync(stream, protocols, timeout.Token).ConfigureAwait(false);
            stream.Meter = Bandwidth.For(protocol);
            return new P2pStream(stream, connection, protocol);
        }
        catch
        {
            stream.Reset();
            throw;
        }
    }

    public void SetStreamHandler(string protocol, Func<IP2pStream, CancellationToken, Task> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(protocol);
        ArgumentNullException.ThrowIfNull(handler);
        bool added = !_handlers.ContainsKey(protocol);
        _handlers[protocol] = handler;
        if (added) PushIdentifyToConnectedPeers();
    }

    public bool RemoveStreamHandler(string protocol)
    {
        if (!_handlers.TryRemove(protocol, out _)) return false;
        PushIdentifyToConnectedPeers();
        return true;
    }

    /// <summary>Our protocol list changed: tell connected peers that accept identify push (go and js update their peer store from it).</summary>
    private void PushIdentifyToConnectedPeers()
    {
        if (_disposed != 0) return;
        P2pConnection[] connections;
        lock (_lock) connections = _connections.Values.ToArray();
        foreach (var connection in connections)
        {
            var info = PeerStore.Get(connection.RemotePeer);
            if (info is not null && info.Protocols.Contains(IdentifyService.PushProtocolId)) Track(PushIdentifyAsync(connection));
        }
    }

    private async Task PushIdentifyAsync(P2pConnection connection)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            timeout.CancelAfter(Options.StreamNegotiationTimeout);
            var stream = await OpenStreamAsync(connection, [IdentifyService.PushProtocolId], timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await IdentifyService.HandleAsync(this, stream, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // Best effort: the peer learns our protocols at its next identify.
        }
    }

    public PeerInfo? GetPeerInfo(PeerId peer) => PeerStore.Get(peer);

    public void AddAddresses(PeerId peer, IEnumerable<Multiaddr> addresses) => PeerStore.AddAddresses(peer, addresses);

    /// <summary>The live connection to <paramref name="peer"/>, if any.</summary>
    public P2pConnection? GetConnection(PeerId peer)
    {
        lock (_lock) return _connections.TryGetValue(peer, out var c) && !c.IsClosed ? c : null;
    }

    /// <summary>Closes the connection to <paramref name="peer"/> if there is one.</summary>
    /// <remarks>When this returns the peer is gone from <see cref="ConnectedPeers"/> and <see cref="PeerDisconnected"/> has been raised.</remarks>
    public async Task DisconnectAsync(PeerId peer)
    {
        P2pConnection? connection;
        lock (_lock)
        {
            if (!_connections.Remove(peer, out connection)) return;
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        PeerDisconnected?.Invoke(peer);
    }

    /// <summary>The existing connection, a dial already under way, or a new dial over known addresses.</summary>
    public async Task<P2pConnection> GetConnectionAsync(PeerId peer, CancellationToken ct = default)
    {
        var existing = GetConnection(peer);
        if (existing is not null) return existing;
        var info = PeerStore.Get(peer);
        var addresses = info?.Addresses ?? [];
        if (addresses.Count == 0) throw new IOException($"Not connected to {peer} and no address is known for it.");
        Exception? last = null;
        foreach (var address in addresses)
        {
            if (!Options.Transports.Any(t => t.CanDial(address))) continue;
            try { return await ConnectCoreAsync(address.WithPeerId(peer), ct).ConfigureAwait(false); }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                last = e;
            }
        }
        throw new IOException($"Could not reach {peer} at any of {addresses.Count} known addresses.", last);
    }

    private async Task<P2pConnection> ConnectCoreAsync(Multiaddr address, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var peer = address.PeerId;
        if (peer == LocalPeer) throw new InvalidOperationException("Refusing to dial ourselves.");
        Task<P2pConnection> dial;
        lock (_lock)
        {
            if (peer is not null)
            {
                if (_connections.TryGetValue(peer, out var live) && !live.IsClosed) return live;
                if (!_pendingDials.TryGetValue(peer, out dial!))
                {
                    dial = DialAsync(address, peer);
                    _pendingDials[peer] = dial;
                }
            }
            else
            {
                dial = DialAsync(address, null);
            }
        }
        return await dial.WaitAsync(ct).ConfigureAwait(false);
    }

    private async Task<P2pConnection> DialAsync(Multiaddr address, PeerId? expected)
    {
        await Task.Yield();
        try
        {
            var bare = address.WithoutPeerId();
            var transport = Options.Transports.FirstOrDefault(t => t.CanDial(bare))
                ?? throw new IOException($"No transport can dial '{address}'.");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            timeout.CancelAfter(Options.HandshakeTimeout);
            ITransportConnection raw;
            try
            {
                raw = await transport.DialAsync(bare, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_shutdown.IsCancellationRequested)
            {
                throw new TimeoutException($"Dialling {address} timed out after {Options.HandshakeTimeout}.");
            }
            var connection = await UpgradeAsync(raw, outbound: true, expected, timeout.Token).ConfigureAwait(false);
            PeerStore.AddAddresses(connection.RemotePeer, [bare]);
            return Register(connection);
        }
        finally
        {
            if (expected is not null) lock (_lock) _pendingDials.Remove(expected);
        }
    }

    private async Task<P2pConnection> UpgradeAsync(ITransportConnection raw, bool outbound, PeerId? expected, CancellationToken ct)
    {
        NoiseSecureChannel? channel = null;
        try
        {
            if (outbound) await MultistreamSelect.SelectAsync(raw, [NoiseSecurity.ProtocolId], ct).ConfigureAwait(false);
            else await MultistreamSelect.AcceptAsync(raw, p => p == NoiseSecurity.ProtocolId, ct).ConfigureAwait(false);
            channel = outbound
                ? await NoiseSecurity.SecureOutboundAsync(raw, Identity, expected, ct).ConfigureAwait(false)
                : await NoiseSecurity.SecureInboundAsync(raw, Identity, ct).ConfigureAwait(false);
            if (outbound) await MultistreamSelect.SelectAsync(channel, [YamuxSession.ProtocolId], ct).ConfigureAwait(false);
            else await MultistreamSelect.AcceptAsync(channel, p => p == YamuxSession.ProtocolId, ct).ConfigureAwait(false);
            var session = new YamuxSession(channel, isClient: outbound, Options.Yamux);
            return new P2pConnection(raw, channel, session, outbound);
        }
        catch (Exception e)
        {
            if (channel is not null) await channel.DisposeAsync().ConfigureAwait(false);
            await raw.DisposeAsync().ConfigureAwait(false);
            if (e is OperationCanceledException && !_shutdown.IsCancellationRequested)
                throw new TimeoutException($"Handshake with {raw.RemoteAddress} did not finish within {Options.HandshakeTimeout}.", e);
            throw;
        }
    }

    private P2pConnection Register(P2pConnection connection)
    {
        var peer = connection.RemotePeer;
        P2pConnection? loser = null;
        P2pConnection winner;
        bool isNew = false;
        lock (_lock)
        {
            if (_disposed != 0)
            {
                loser = winner = connection;
            }
            else if (_connections.TryGetValue(peer, out var existing) && !existing.IsClosed)
            {
                winner = PreferredOf(existing, connection);
                loser = winner == existing ? connection : existing;
                _connections[peer] = winner;
            }
            else
            {
                winner = connection;
                _connections[peer] = connection;
                isNew = true;
            }
        }
        if (loser == connection) Track(connection.DisposeAsync().AsTask());
        if (_disposed != 0) throw new ObjectDisposedException(nameof(P2pHost));
        if (loser != connection) Track(RunConnectionAsync(connection));
        if (isNew) PeerConnected?.Invoke(peer);
        return winner;
    }

    /// <summary>Of two connections to one peer, both sides keep the one dialled by the smaller peer id (then the older one).</summary>
    private P2pConnection PreferredOf(P2pConnection existing, P2pConnection incoming)
    {
        var existingDialer = existing.IsOutbound ? LocalPeer : existing.RemotePeer;
        var incomingDialer = incoming.IsOutbound ? LocalPeer : incoming.RemotePeer;
        if (existingDialer == incomingDialer) return existing;
        int cmp = existingDialer.Bytes.Span.SequenceCompareTo(incomingDialer.Bytes.Span);
        return cmp <= 0 ? existing : incoming;
    }

    private async Task RunConnectionAsync(P2pConnection connection)
    {
        if (Options.IdentifyOnConnect) Track(IdentifyOnConnectAsync(connection));
        var token = _shutdown.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var stream = await connection.Session.AcceptStreamAsync(token).ConfigureAwait(false);
                Track(HandleInboundStreamAsync(connection, stream, token));
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException) { }
        bool wasCurrent;
        lock (_lock)
        {
            wasCurrent = _connections.TryGetValue(connection.RemotePeer, out var current) && current == connection;
            if (wasCurrent) _connections.Remove(connection.RemotePeer);
        }
        try { await connection.DisposeAsync().ConfigureAwait(false); }
        finally
        {
            // Raised even when teardown fails: the peer is gone from ConnectedPeers either way.
            if (wasCurrent) PeerDisconnected?.Invoke(connection.RemotePeer);
        }
    }

    private async Task IdentifyOnConnectAsync(P2pConnection connection)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            timeout.CancelAfter(Options.StreamNegotiationTimeout);
            var stream = await OpenStreamAsync(connection, [IdentifyService.ProtocolId], timeout.Token).ConfigureAwait(false);
            IdentifyResult result;
            await using (stream.ConfigureAwait(false))
            {
                await stream.CloseWriteAsync(timeout.Token).ConfigureAwait(false);
                result = await IdentifyService.ReadAsync(stream, timeout.Token).ConfigureAwait(false);
            }
            OnIdentified(connection.RemotePeer, result);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException or InvalidOperationException)
        {
            // A peer without identify is still usable; it just stays unknown in the peer store.
        }
    }

    internal void OnIdentified(PeerId peer, IdentifyResult result)
    {
        PeerStore.SetIdentify(peer, result);
        PeerIdentified?.Invoke(peer, result);
    }

    private async Task HandleInboundStreamAsync(P2pConnection connection, YamuxStream stream, CancellationToken token)
    {
        await Task.Yield();
        string protocol;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(Options.StreamNegotiationTimeout);
            protocol = await MultistreamSelect.AcceptAsync(stream, _handlers.ContainsKey, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            stream.Reset();
            return;
        }
        if (!_handlers.TryGetValue(protocol, out var handler))
        {
            stream.Reset();
            return;
        }
        stream.Meter = Bandwidth.For(protocol);
        var p2pStream = new P2pStream(stream, connection, protocol);
        try
        {
            await handler(p2pStream, token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a handler's failure must cost one stream, never the host
        catch (Exception)
        {
            stream.Reset();
        }
#pragma warning restore CA1031
        finally
        {
            await p2pStream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task AcceptLoopAsync(ITransportListener listener)
    {
        var token = _shutdown.Token;
        while (!token.IsCancellationRequested)
        {
            ITransportConnection raw;
            try
            {
                raw = await listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException or System.Threading.Channels.ChannelClosedException)
            {
                return;
            }
            int count;
            lock (_lock) count = _connections.Count;
            if (count >= Options.MaxConnections)
            {
                await raw.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            Track(AcceptOneAsync(raw));
        }
    }

    private async Task AcceptOneAsync(ITransportConnection raw)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            timeout.CancelAfter(Options.HandshakeTimeout);
            var connection = await UpgradeAsync(raw, outbound: false, expected: null, timeout.Token).ConfigureAwait(false);
            Register(connection);
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // A failed inbound handshake costs only that connection.
        }
    }

    private void Track(Task task)
    {
        if (task.IsCompleted) { _ = task.Exception; return; }
        _tasks.TryAdd(task, 0);
        task.ContinueWith(static (t, state) =>
        {
            _ = t.Exception; // observed
            ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _);
        }, _tasks, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static IEnumerable<Multiaddr> Expand(Multiaddr address)
    {
        var endPoint = address.ToTcpEndPoint();
        if (endPoint is null || (!endPoint.Address.Equals(IPAddress.Any) && !endPoint.Address.Equals(IPAddress.IPv6Any)))
        {
            yield return address;
            yield break;
        }
        // A wildcard listener is reachable on every interface address of its family; advertise those.
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up) continue;
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                if (unicast.Address.AddressFamily != endPoint.AddressFamily || unicast.Address.IsIPv6LinkLocal) continue;
                yield return Multiaddr.FromTcpEndPoint(new IPEndPoint(unicast.Address, endPoint.Port));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _shutdown.Cancel();
        ITransportListener[] listeners;
        P2pConnection[] connections;
        lock (_lock)
        {
            listeners = _listeners.ToArray();
            connections = _connections.Values.ToArray();
            _connections.Clear();
        }
        foreach (var listener in listeners) await listener.DisposeAsync().ConfigureAwait(false);
        foreach (var connection in connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            PeerDisconnected?.Invoke(connection.RemotePeer);
        }
        await Task.WhenAny(Task.WhenAll(_tasks.Keys), Task.Delay(ShutdownGrace)).ConfigureAwait(false);
    }
}
