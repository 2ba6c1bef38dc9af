using System.Runtime.CompilerServices;
using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Dht;
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
    private readonly Libp2pBitswapNetwork _bitswapNetwork;
    private readonly Bitswap.Bitswap _bitswap;
    private readonly Task _bitswapEnded;
    private long _activeFetches;
    private readonly KadDht? _routing;
    private readonly Lock _providesGate = new();
    private readonly HashSet<Task> _provides = [];
    private readonly Lock _bandwidthGate = new();
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly Dictionary<string, (DateTime At, long In, long Out)> _lastBandwidth = new(StringComparer.Ordinal);

    private readonly BitswapTracing _tracing;

    private NodeNetwork(ShoalNode node, P2pHost host, Libp2pBitswapNetwork bitswapNetwork, Bitswap.Bitswap bitswap, KadDht? dht, BitswapTracing tracing)
    {
        // The loop ends only when the node stops, or on a bug: say which bug, loudly, instead of going quiet.
        _bitswapEnded = bitswap.Completion.ContinueWith(static t =>
        {
            if (t.IsFaulted) Console.Error.WriteLine($"shoal: Bitswap stopped after an error: {t.Exception?.GetBaseException()}");
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _tracing = tracing;
        _node = node;
        _host = host;
        _bitswapNetwork = bitswapNetwork;
        _bitswap = bitswap;
        _routing = dht;
        _bootstrap = BootstrapAsync(_stopping.Token);
    }

    public static BitswapStrategy ParseStrategy(string name) => name switch
    {
        "bitswap-1.1" => BitswapStrategy.Bitswap11,
        "bitswap-1.2" => BitswapStrategy.Bitswap12,
        "shoal" => BitswapStrategy.Shoal,
        _ => throw new ConfigException("Bitswap.Strategy", $"'{name}' is not one of: {string.Join(", ", ConfigLoader.Strategies)}"),
    };

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
        var options = BitswapOptions.For(ParseStrategy(config.Bitswap.Strategy), BitswapOptions.RandomSeedFor(host.LocalPeer)) with
        {
            MaxQueuedWantsPerPeer = config.Limits.MaxWantlistSize,
            MaxOutstandingBytesPerPeer = (int)Math.Min(int.MaxValue, config.Limits.MaxOutstandingBytesPerPeer),
            RateSampleSpan = BitswapDefaults.RealNetworkRateSampleSpan,
            ShoalIdleWaitsForMoves = true,
            UploadBytesPerSecond = config.Bitswap.MaxUploadBytesPerSecond,
            DownloadBytesPerSecond = config.Bitswap.MaxDownloadBytesPerSecond,
        };
        KadDht? dht = null;
        if (config.Dht.Mode != "off")
        {
            dht = new KadDht(host, new KadDhtOptions
            {
                ProtocolId = config.Dht.ProtocolId,
                Mode = config.Dht.Mode == "client" ? DhtMode.Client : DhtMode.Server,
                BootstrapPeers = [.. config.Bootstrap.Select((a, i) => ParseAddress(a, $"Bootstrap[{i}]"))],
                AllowPrivateAddresses = config.Dht.AllowPrivateAddresses,
                DataDirectory = config.Datastore.Kind == "memory" ? null : node.Repo.Path,
            });
            await dht.StartAsync(ct).ConfigureAwait(false);
        }
        var bitswapNetwork = new Libp2pBitswapNetwork(host);
        var tracing = new BitswapTracing();
        var bitswap = new Bitswap.Bitswap(new TracingBitswapNetwork(bitswapNetwork, tracing), new BitswapBlockStore(node.LocalBlocks), options,
            providers: dht is null ? null : new ContentRoutingProviderFinder(dht, host));
        bitswap.Start();
        var network = new NodeNetwork(node, host, bitswapNetwork, bitswap, dht, tracing);
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
        if (_routing is not null)
        {
            // The DHT dials the bootstrap peers itself, then fills its routing table from them.
            try { await _routing.BootstrapAsync(ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"shoal: DHT bootstrap failed: {e.Message}").ConfigureAwait(false);
            }
            return;
        }
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

    /// <summary>One block from peers, bounded by Bitswap.FetchTimeoutSeconds; null when nobody sent it in time.</summary>
    public async ValueTask<Block?> FetchAsync(Cid cid, CancellationToken ct)
    {
        if (!CanSearch) return null;
        using var activity = NodeTracing.Source.StartActivity("bitswap session");
        activity?.SetTag("shoal.cid", cid.ToString());
        activity?.SetTag("shoal.session.kind", "block");
        activity?.SetTag("shoal.peer", PeerId);
        _tracing.SessionStarted(cid, activity);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(_node.Config.Bitswap.FetchTimeoutSeconds));
        Interlocked.Increment(ref _activeFetches);
        try
        {
            return await _bitswap.GetBlockAsync(cid, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            activity?.SetTag("shoal.timeout", true);
            return null;
        }
        finally
        {
            _tracing.SessionEnded(activity);
            Interlocked.Decrement(ref _activeFetches);
        }
    }

    /// <summary>
    /// Fetches a whole DAG into the store in one Bitswap session (many wants in flight, every peer that has
    /// blocks used). Fails when no block arrives for Bitswap.FetchTimeoutSeconds, however long the whole takes.
    /// </summary>
    public async Task FetchDagAsync(Cid root, CancellationToken ct)
    {
        // Nobody to ask: whatever is local is all there is, and the reader reports what is missing.
        if (!CanSearch) return;
        using var activity = NodeTracing.Source.StartActivity("bitswap session");
        activity?.SetTag("shoal.cid", root.ToString());
        activity?.SetTag("shoal.session.kind", "dag");
        activity?.SetTag("shoal.peer", PeerId);
        _tracing.SessionStarted(root, activity);
        var idle = TimeSpan.FromSeconds(_node.Config.Bitswap.FetchTimeoutSeconds);
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stalled.CancelAfter(idle);
        var progress = new InlineProgress<FetchDagResult>(_ => stalled.CancelAfter(idle));
        Interlocked.Increment(ref _activeFetches);
        try
        {
            var result = await _bitswap.FetchDagAsync(root, BlockLinks.Instance, progress, stalled.Token).ConfigureAwait(false);
            activity?.SetTag("shoal.blocks", result.Blocks);
            activity?.SetTag("shoal.bytes", result.Bytes);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"fetching {root}: no block arrived from any peer for {idle.TotalSeconds:0} s");
        }
        finally
        {
            _tracing.SessionEnded(activity);
            Interlocked.Decrement(ref _activeFetches);
        }
    }

    /// <summary>A Bitswap session seeded with peers known to hold the content (the registry mirror reads a blob's
    /// DAG through one, with the providers it found through the DHT).</summary>
    public Task<BitswapSession> StartSessionAsync(IReadOnlyList<Shoal.Net.PeerId> providers, CancellationToken ct) =>
        _bitswap.StartSessionAsync(providers, ct);

    /// <summary>False when asking would only wait for the timeout: no peer connected and no content routing to find one.</summary>
    private bool CanSearch => _host.ConnectedPeers.Count > 0 || _routing is { RoutingTableSize: > 0 };

    /// <summary>Tells Bitswap about blocks added locally, so peers already waiting for them are served.</summary>
    public ValueTask NotifyAddedAsync(Block block, CancellationToken ct) => _bitswap.NotifyNewBlocksAsync([block], ct);

    /// <summary>Tells Bitswap about blocks removed locally (garbage collection).</summary>
    public ValueTask NotifyRemovedAsync(IReadOnlyList<Cid> cids, CancellationToken ct) => _bitswap.NotifyBlocksRemovedAsync(cids, ct);

    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>Announces <paramref name="cid"/> in the DHT and waits for it (`routing provide`, the registry).</summary>
    public async Task ProvideAsync(Cid cid, CancellationToken ct)
    {
        if (_routing is null) return;
        using var activity = NodeTracing.Source.StartActivity("provide");
        activity?.SetTag("shoal.cid", cid.ToString());
        _node.Metrics.DhtProvides.Inc();
        await _routing.ProvideAsync(cid, ct).ConfigureAwait(false);
    }

    /// <summary>Announces in the background (after an add: the add returns at once, as in Kubo); ended on dispose.</summary>
    public void ProvideInBackground(Cid cid)
    {
        if (_routing is null || _stopping.IsCancellationRequested) return;
        var task = ProvideQuietlyAsync(cid, _stopping.Token);
        lock (_providesGate) _provides.Add(task);
        task.ContinueWith(t => { lock (_providesGate) _provides.Remove(t); }, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task ProvideQuietlyAsync(Cid cid, CancellationToken ct)
    {
        await Task.Yield();
        try { await ProvideAsync(cid, ct).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"shoal: announcing {cid} failed: {e.Message}").ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }
    }

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

    public async IAsyncEnumerable<ProviderResult> FindProvidersAsync(Cid cid, int maxProviders, [EnumeratorCancellation] CancellationToken ct)
    {
        if (_routing is null) throw new NotSupportedException("the DHT is off (Dht.Mode = off)");
        using var activity = NodeTracing.Source.StartActivity("find providers");
        activity?.SetTag("shoal.cid", cid.ToString());
        _node.Metrics.DhtFindProviders.Inc();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(_node.Config.Dht.FindProvidersTimeoutSeconds));
        var enumerator = _routing.FindProvidersAsync(cid, maxProviders, timeout.Token).GetAsyncEnumerator(timeout.Token);
        try
        {
            while (true)
            {
                PeerInfo info;
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false)) yield break;
                    info = enumerator.Current;
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    yield break; // the search ran out of time: what was found is the answer
                }
                yield return new ProviderResult(info.Id.ToString(), [.. info.Addresses.Select(a => a.ToString())]);
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Kubo's `stats bitswap`: counters and the CIDs of the current wantlist, read together on the Bitswap
    /// loop ahead of its queued inputs (a leecher under load has thousands queued; stats must still answer).</summary>
    public async Task<BitswapStatResult> BitswapStatAsync(CancellationToken ct)
    {
        var status = await _bitswap.GetStatusAsync(ct).ConfigureAwait(false);
        return BitswapStat(status.Stats, [.. status.Wantlist.Select(c => new CidLink(c.ToString()))]);
    }

    private BitswapStatResult BitswapStat(BitswapStats s, IReadOnlyList<CidLink> wantlist)
    {
        return new BitswapStatResult(s.BlocksReceived, s.DataReceived, s.DupBlksReceived, s.DupDataReceived,
            s.BlocksSent, s.DataSent, s.MessagesReceived, wantlist, [.. _host.ConnectedPeers.Select(p => p.ToString())])
        {
            WantlistSize = s.Wantlist,
            Sessions = Interlocked.Read(ref _activeFetches),
            BitswapPeers = s.Peers,
        };
    }

    /// <summary>
    /// libp2p stream bytes in and out (every protocol: Bitswap, DHT, identify, ping...), with rates since the
    /// previous call; <paramref name="protocol"/> narrows it to one protocol, as Kubo's `stats bw --proto`.
    /// </summary>
    public BandwidthStatResult BandwidthStat(string? protocol)
    {
        var meters = _host.Bandwidth.Protocols;
        long totalIn = 0, totalOut = 0;
        var byProtocol = new List<ProtocolBandwidth>();
        foreach (var m in meters)
        {
            if (protocol is not null && m.Protocol != protocol) continue;
            totalIn += m.BytesIn;
            totalOut += m.BytesOut;
            byProtocol.Add(new ProtocolBandwidth(m.Protocol, m.BytesIn, m.BytesOut));
        }
        var now = DateTime.UtcNow;
        double rateIn, rateOut;
        lock (_bandwidthGate)
        {
            var key = protocol ?? "";
            var last = _lastBandwidth.TryGetValue(key, out var previous) ? previous : (At: _started, In: 0L, Out: 0L);
            var seconds = Math.Max((now - last.At).TotalSeconds, 1e-3);
            rateIn = (totalIn - last.In) / seconds;
            rateOut = (totalOut - last.Out) / seconds;
            _lastBandwidth[key] = (now, totalIn, totalOut);
        }
        return new BandwidthStatResult(totalIn, totalOut, rateIn, rateOut) { Protocols = byProtocol };
    }

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
        m.SetBitswap(BitswapStat(_bitswap.Stats, []));
        foreach (var meter in _host.Bandwidth.Protocols)
        {
            m.Libp2pBytes.WithLabels("in", meter.Protocol).IncTo(meter.BytesIn);
            m.Libp2pBytes.WithLabels("out", meter.Protocol).IncTo(meter.BytesOut);
        }
        if (_routing is not null) m.DhtRoutingTableSize.Set(_routing.RoutingTableSize);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try { await _bootstrap.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        Task[] provides;
        lock (_providesGate) provides = [.. _provides];
        await Task.WhenAll(provides).ConfigureAwait(false);
        if (_routing is not null) await _routing.DisposeAsync().ConfigureAwait(false);
        await _bitswap.DisposeAsync().ConfigureAwait(false);
        await _bitswapEnded.ConfigureAwait(false);
        await _bitswapNetwork.DisposeAsync().ConfigureAwait(false);
        await _host.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
