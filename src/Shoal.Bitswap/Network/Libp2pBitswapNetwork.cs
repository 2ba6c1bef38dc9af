using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>
/// Bitswap over libp2p streams. One long-lived outbound stream per peer carries everything we send
/// (negotiated newest-first: 1.2.0, 1.1.0, 1.0.0, bare); every inbound stream is read in a loop, one message
/// after another, until the peer closes it. A malformed message resets that stream only.
/// </summary>
public sealed class Libp2pBitswapNetwork : IBitswapNetwork
{
    private readonly IP2pHost _host;
    private readonly ConcurrentDictionary<PeerId, Outbound> _outbound = new();
    private readonly ConcurrentDictionary<PeerId, byte> _reported = new();
    private readonly ConcurrentDictionary<PeerId, byte> _dropped = new();
    private readonly ConcurrentDictionary<IP2pStream, PeerId> _inbound = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Task, byte> _background = new();
    private IBitswapNetworkListener? _listener;

    public Libp2pBitswapNetwork(IP2pHost host)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
    }

    public PeerId LocalPeer => _host.LocalPeer;

    public void Start(IBitswapNetworkListener listener)
    {
        if (_listener is not null) throw new InvalidOperationException("already started");
        _listener = listener ?? throw new ArgumentNullException(nameof(listener));
        foreach (var protocol in BitswapProtocolIds.All) _host.SetStreamHandler(protocol, HandleInboundAsync);
        _host.PeerConnected += OnHostPeerConnected;
        _host.PeerDisconnected += OnHostPeerDisconnected;
        foreach (var peer in _host.ConnectedPeers) OnHostPeerConnected(peer);
    }

    public async ValueTask SendMessageAsync(PeerId peer, BitswapMessage message, CancellationToken ct = default)
    {
        for (int attempt = 0; ; attempt++)
        {
            var outbound = await GetOutboundAsync(peer, ct).ConfigureAwait(false);
            await outbound.Lock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                BitswapMessageCodec.WriteFramed(message, outbound.Version, outbound.Stream.Output);
                var flush = await outbound.Stream.Output.FlushAsync(ct).ConfigureAwait(false);
                if (flush.IsCompleted) throw new IOException($"stream to {peer} closed");
                return;
            }
            catch (Exception e) when (attempt == 0 && e is IOException or InvalidOperationException or ObjectDisposedException)
            {
                // The long-lived stream died (peer reset it): open a fresh one once.
                Drop(peer, outbound);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
            {
                Drop(peer, outbound);
                throw new IOException($"cannot send a Bitswap message to {peer}: {e.Message}", e);
            }
            finally
            {
                outbound.Lock.Release();
            }
        }
    }

    /// <summary>The TCP connection under our outbound stream to the peer (Linux), else null.</summary>
    public SendQueueState? SendQueue(PeerId peer)
        => _outbound.TryGetValue(peer, out var outbound) && outbound.Stream is P2pStream stream ? stream.Connection.SendQueue : null;

    public async Task ConnectAsync(PeerId peer, CancellationToken ct = default)
    {
        _dropped.TryRemove(peer, out _);
        var outbound = await GetOutboundAsync(peer, ct).ConfigureAwait(false);
        Report(peer, outbound.Version);
    }

    public ValueTask DisconnectAsync(PeerId peer, CancellationToken ct = default)
    {
        _dropped[peer] = 0;
        if (_outbound.TryRemove(peer, out var outbound)) outbound.Stream.Reset();
        foreach (var kv in _inbound)
        {
            if (kv.Value.Equals(peer)) kv.Key.Reset();
        }
        if (_reported.TryRemove(peer, out _)) _listener?.OnPeerDisconnected(peer);
        return ValueTask.CompletedTask;
    }

    // ------------------------------------------------------------------ peers

    private void OnHostPeerConnected(PeerId peer)
    {
        if (_stop.IsCancellationRequested) return;
        _dropped.TryRemove(peer, out _);
        Track(ProbeAsync(peer, _stop.Token));
    }

    private async Task ProbeAsync(PeerId peer, CancellationToken ct)
    {
        try
        {
            var outbound = await GetOutboundAsync(peer, ct).ConfigureAwait(false);
            Report(peer, outbound.Version);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The peer does not speak Bitswap (or went away): nothing to report.
            return;
        }
        await MeasurePathAsync(peer, ct).ConfigureAwait(false);
    }

    /// <summary>Pings a new Bitswap peer a few times (libp2p ping) and reports the shortest round trip: the path's, without
    /// the queues Bitswap's own answers wait in (the Shoal strategy tells near peers from far ones by it). A peer that does
    /// not answer pings is simply not measured.</summary>
    private async Task MeasurePathAsync(PeerId peer, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(PathPingTimeout);
            var rtts = await PingService.PingAsync(_host, peer, PathPings, timeout.Token).ConfigureAwait(false);
            if (rtts.Count > 0 && _reported.ContainsKey(peer)) _listener?.OnPeerPathMeasured(peer, rtts.Min());
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // No ping protocol, or the peer went away.
        }
    }

    private const int PathPings = 3;
    private static readonly TimeSpan PathPingTimeout = TimeSpan.FromSeconds(10);

    private void OnHostPeerDisconnected(PeerId peer)
    {
        if (_outbound.TryRemove(peer, out var outbound)) outbound.Stream.Reset();
        if (_reported.TryRemove(peer, out _)) _listener?.OnPeerDisconnected(peer);
    }

    private void Report(PeerId peer, BitswapProtocolVersion version)
    {
        if (_dropped.ContainsKey(peer)) return;
        if (_reported.TryAdd(peer, 0)) _listener?.OnPeerConnected(peer, version);
    }

    private async Task<Outbound> GetOutboundAsync(PeerId peer, CancellationToken ct)
    {
        if (_outbound.TryGetValue(peer, out var existing)) return existing;
        var stream = await _host.OpenStreamAsync(peer, BitswapProtocolIds.All, ct).ConfigureAwait(false);
        var created = new Outbound(stream, BitswapProtocolIds.VersionOf(stream.Protocol));
        if (_outbound.TryAdd(peer, created))
        {
            Track(WatchOutboundAsync(peer, created, _stop.Token));
            return created;
        }
        stream.Reset(); // lost a race with another opener
        return _outbound[peer];
    }

    /// <summary>Peers do not write on our outbound stream (Helia half-closes it at once, which is normal); reading
    /// it tells us when they reset it, and then the next send opens a new one.</summary>
    private async Task WatchOutboundAsync(PeerId peer, Outbound outbound, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var result = await outbound.Stream.Input.ReadAsync(ct).ConfigureAwait(false);
                outbound.Stream.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled) return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception)
        {
            Drop(peer, outbound);
        }
    }

    private void Drop(PeerId peer, Outbound outbound)
    {
        if (_outbound.TryRemove(new KeyValuePair<PeerId, Outbound>(peer, outbound))) outbound.Stream.Reset();
    }

    // ------------------------------------------------------------------ inbound

    private async Task HandleInboundAsync(IP2pStream stream, CancellationToken ct)
    {
        var peer = stream.RemotePeer;
        if (_dropped.ContainsKey(peer))
        {
            stream.Reset();
            return;
        }
        // The peer speaks Bitswap: make sure the core knows it even if our probe has not finished.
        Report(peer, BitswapProtocolIds.VersionOf(stream.Protocol));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
        var assembler = new FrameAssembler();
        var decoded = new List<BitswapMessage>();
        var reader = stream.Input;
        _inbound[stream] = peer;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(linked.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    // Copy out as we go (consuming the pipe) rather than waiting for a whole frame in it: a
                    // stream's receive window only reopens for consumed bytes, and a message may be 4 MiB.
                    assembler.Feed(ref buffer, decoded);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
                foreach (var message in decoded)
                {
                    await _listener!.OnMessageReceivedAsync(peer, message, linked.Token).ConfigureAwait(false);
                }
                decoded.Clear();
                if (_dropped.ContainsKey(peer))
                {
                    stream.Reset(); // we cut this peer off (it lied)
                    return;
                }
                if (result.IsCompleted) return;
            }
        }
        catch (BitswapProtocolException)
        {
            stream.Reset(); // a stream error: this stream only, the connection goes on
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer went away or we are stopping.
        }
        finally
        {
            _inbound.TryRemove(stream, out _);
            assembler.Dispose();
        }
    }

    private void Track(Task task)
    {
        _background[task] = 0;
        task.ContinueWith(t => _background.TryRemove(t, out _), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _host.PeerConnected -= OnHostPeerConnected;
        _host.PeerDisconnected -= OnHostPeerDisconnected;
        _stop.Cancel();
        foreach (var kv in _outbound)
        {
            kv.Value.Stream.Reset();
            await kv.Value.Stream.DisposeAsync().ConfigureAwait(false);
        }
        _outbound.Clear();
        try
        {
            await Task.WhenAll(_background.Keys).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Background loops end by cancellation or by their stream dying; nothing left to report.
        }
        _stop.Dispose();
    }

    private sealed class Outbound(IP2pStream stream, BitswapProtocolVersion version)
    {
        public readonly IP2pStream Stream = stream;
        public readonly BitswapProtocolVersion Version = version;
        public readonly SemaphoreSlim Lock = new(1, 1);
    }
}
