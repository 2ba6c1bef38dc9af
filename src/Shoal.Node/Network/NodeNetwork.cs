using System.Runtime.CompilerServices;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Node;

/// <summary>
/// The node's networking: the libp2p host, and Bitswap and the DHT over it (composed from Shoal.Net,
/// Shoal.Bitswap and Shoal.Dht). Owns its background work (bootstrap dialing) and ends it on dispose.
/// </summary>
internal sealed class NodeNetwork : IAsyncDisposable
{
    /// <summary>A bootstrap dial that takes longer than this is abandoned; the peer is retried by nobody (Kubo retries later).</summary>
    private static readonly TimeSpan BootstrapDialTimeout = TimeSpan.FromSeconds(10);

    private readonly ShoalNode _node;
    private readonly P2pHost _host;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _bootstrap;
    private readonly DateTime _started = DateTime.UtcNow;

    private NodeNetwork(ShoalNode node, P2pHost host)
    {
        _node = node;
        _host = host;
        _bootstrap = BootstrapAsync(_stopping.Token);
    }

    public P2pHost Host => _host;

    public static async Task<NodeNetwork> StartAsync(ShoalNode node, CancellationToken ct)
    {
        var config = node.Config;
        var identity = NodeIdentity.Load(node.Repo.Resolve(config.Identity.KeyFile));
        var listen = config.Addresses.Swarm.Select((a, i) => ParseAddress(a, $"Addresses.Swarm[{i}]")).ToList();
        var host = new P2pHost(new HostOptions
        {
            Identity = identity,
            ListenAddresses = listen,
            AgentVersion = ShoalNode.AgentVersion,
            MaxConnections = config.Limits.MaxConnections,
            Yamux = new Shoal.Net.YamuxOptions
            {
                MaxInboundStreams = config.Limits.MaxStreamsPerConnection,
                MaxOutboundStreams = config.Limits.MaxStreamsPerConnection,
            },
        });
        try
        {
            await host.StartAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"cannot listen on {string.Join(", ", listen)}: {e.Message}", e);
        }
        var network = new NodeNetwork(node, host);
        node.Metrics.OnScrape(m => network.UpdateMetrics(m));
        return network;
    }

    private static Multiaddr ParseAddress(string text, string key)
    {
        try { return Multiaddr.Parse(text); }
        catch (FormatException e) { throw new ConfigException(key, $"'{text}' is not a multiaddr: {e.Message}", e); }
    }

    private async Task BootstrapAsync(CancellationToken ct)
    {
        await Task.Yield();
        var dials = _node.Config.Bootstrap.Select(async text =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(BootstrapDialTimeout);
            try { await _host.ConnectAsync(Multiaddr.Parse(text), timeout.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"shoal: bootstrap peer {text} unreachable: {e.Message}").ConfigureAwait(false);
            }
        });
        await Task.WhenAll(dials).ConfigureAwait(false);
    }

    public string PeerId => _host.LocalPeer.ToString();

    public IReadOnlyList<string> ListenAddresses
    {
        get
        {
            var announce = _node.Config.Addresses.Announce;
            var addresses = announce.Count > 0 ? announce : [.. _host.ListenAddresses.Select(a => a.ToString())];
            return addresses;
        }
    }

    public IdResult BuildId() => new(
        PeerId,
        Convert.ToBase64String(_host.Identity.PublicKey.ToProtobuf()),
        [.. ListenAddresses.Select(a => $"{a}/p2p/{PeerId}")],
        ShoalNode.AgentVersion,
        [.. _host.Protocols]);

    public ValueTask<Block?> FetchAsync(Cid cid, CancellationToken ct) => ValueTask.FromResult<Block?>(null);

    public Task ProvideAsync(Cid cid, CancellationToken ct) => Task.CompletedTask;

    public async Task<IReadOnlyList<string>> ConnectAsync(string multiaddr, CancellationToken ct)
    {
        var address = Multiaddr.Parse(multiaddr);
        if (address.PeerId is null) throw new ArgumentException($"'{multiaddr}' has no /p2p/<peer id>: the peer cannot be authenticated");
        var peer = await _host.ConnectAsync(address, ct).ConfigureAwait(false);
        return [$"connect {peer} success"];
    }

    public IReadOnlyList<SwarmPeer> Peers()
    {
        var peers = new List<SwarmPeer>();
        foreach (var peer in _host.ConnectedPeers)
        {
            var connection = _host.GetConnection(peer);
            peers.Add(new SwarmPeer(connection?.RemoteAddress.WithoutPeerId().ToString() ?? "", peer.ToString()));
        }
        return peers;
    }

    public async Task<IdResult> IdentifyAsync(string peerId, CancellationToken ct)
    {
        var peer = Shoal.Net.PeerId.Parse(peerId);
        var result = await IdentifyService.IdentifyAsync(_host, peer, ct).ConfigureAwait(false);
        return new IdResult(
            result.PeerId.ToString(),
            result.PublicKey is { } key ? Convert.ToBase64String(key.ToProtobuf()) : "",
            [.. result.ListenAddresses.Select(a => $"{a}/p2p/{result.PeerId}")],
            result.AgentVersion ?? "",
            result.Protocols);
    }

    public async IAsyncEnumerable<PingResult> PingAsync(string target, int count, [EnumeratorCancellation] CancellationToken ct)
    {
        Shoal.Net.PeerId peer;
        if (target.StartsWith('/'))
        {
            var address = Multiaddr.Parse(target);
            peer = address.PeerId ?? throw new ArgumentException($"'{target}' has no /p2p/<peer id>");
            _host.AddAddresses(peer, [address.WithoutPeerId()]);
        }
        else peer = Shoal.Net.PeerId.Parse(target);
        yield return new PingResult(true, 0, $"PING {peer}.");
        var times = new List<double>();
        await foreach (var rtt in PingService.PingEachAsync(_host, peer, count, ct).ConfigureAwait(false))
        {
            times.Add(rtt.TotalMilliseconds);
            yield return new PingResult(true, rtt.TotalMilliseconds, $"Pong received: time={rtt.TotalMilliseconds:0.###} ms");
        }
        if (times.Count > 0)
            yield return new PingResult(true, times.Average(), $"Average latency: {times.Average():0.###}ms");
    }

#pragma warning disable CS1998 // until the DHT lands
    public async IAsyncEnumerable<ProviderResult> FindProvidersAsync(Cid cid, int maxProviders, [EnumeratorCancellation] CancellationToken ct)
    {
        throw new NotSupportedException("the DHT is not wired into the node yet");
#pragma warning disable CS0162
        yield break;
#pragma warning restore CS0162
    }
#pragma warning restore CS1998

    public BitswapStatResult BitswapStat() => new(0, 0, 0, 0, 0, 0, 0, [], []);

    public BandwidthStatResult BandwidthStat() => new(0, 0, 0, 0);

    private void UpdateMetrics(NodeMetrics m)
    {
        var connections = 0;
        var streams = 0;
        foreach (var peer in _host.ConnectedPeers)
        {
            connections++;
            if (_host.GetConnection(peer) is { } c) streams += c.Session.StreamCount;
        }
        m.Libp2pConnections.Set(connections);
        m.Libp2pStreams.Set(streams);
        m.SetBitswap(BitswapStat());
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try { await _bootstrap.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        await _host.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
