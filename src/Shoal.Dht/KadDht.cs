using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Core;
using Shoal.Dht.Wire;
using Shoal.Net;
using Shoal.Net.Routing;

namespace Shoal.Dht;

/// <summary>
/// The Kademlia DHT over a libp2p host: provider records for content routing, interoperable with go and js kad-dht.
/// A thin async shell around the sans-I/O parts (<see cref="RoutingTable"/>, <see cref="ProviderStore"/>,
/// <see cref="Lookup"/>, <see cref="DhtRequestHandler"/>), which one lock serialises.
/// </summary>
public sealed class KadDht : IContentRouting, IAsyncDisposable
{
    /// <summary>How long to wait for identify to report a new peer's protocols before giving up on admitting it.</summary>
    private static readonly TimeSpan IdentifyWait = TimeSpan.FromSeconds(5);

    /// <summary>Polling step while waiting for identify (the host contract has no "identified" event).</summary>
    private static readonly TimeSpan IdentifyPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Reprovide lookups run at once (js uses 10): one at a time would take hours for a large store.</summary>
    private const int ReprovideConcurrency = 10;

    private readonly IP2pHost _host;
    private readonly KadDhtOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Lock _persistGate = new(); // one writer of the store file at a time
    private readonly RoutingTable _table;
    private readonly ProviderStore _store;
    private readonly DhtRequestHandler _handler;
    private readonly AddressPolicy _policy;
    private readonly DhtMessenger _messenger;
    private readonly TaskOwner _background;
    private readonly Dictionary<PeerId, int> _inboundStreams = new();
    private readonly HashSet<PeerId> _evictionChecks = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _maintenance;
    private bool _started;
    private int _disposed;

    public KadDht(IP2pHost host, KadDhtOptions? options = null, ILogger<KadDht>? logger = null)
    {
        _host = host;
        _options = options ?? new KadDhtOptions();
        if (_options.MaintenanceInterval != Timeout.InfiniteTimeSpan
            && (_options.MaintenanceInterval <= TimeSpan.Zero || _options.MaintenanceInterval > TimeSpan.FromDays(30)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaintenanceInterval, "MaintenanceInterval must be within (0, 30 days], or infinite to run maintenance only on demand.");
        }
        if (_options.RequestTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), _options.RequestTimeout, "RequestTimeout must be positive.");
        _log = (ILogger?)logger ?? NullLogger.Instance;
        _time = _options.TimeProvider;
        _policy = _options.AllowPrivateAddresses ? AddressPolicy.AllowPrivate : AddressPolicy.PublicOnly;
        _table = new RoutingTable(host.LocalPeer, _time.GetUtcNow());
        _store = new ProviderStore(_options.ProviderLimits);
        _handler = new DhtRequestHandler(_table, _store, AddressesOf, () => host.ListenAddresses, _policy);
        _messenger = new DhtMessenger(host, _options.ProtocolId, _options.RequestTimeout, _time);
        _background = new TaskOwner(e => DhtLog.MaintenanceFailed(_log, "background", e));
        _table.PeerAdded += peer =>
        {
            DhtLog.PeerAdded(_log, peer, _table.Count);
            PeerAdded?.Invoke(peer);
        };
        _table.PeerRemoved += peer => PeerRemoved?.Invoke(peer);
    }

    /// <summary>A DHT server entered the routing table (raised under the DHT's lock: handlers must be quick).</summary>
    public event Action<PeerId>? PeerAdded;

    /// <summary>This server stored a provider record sent by a peer (key, provider).</summary>
    public event Action<ContentKey, PeerId>? ProviderRecordAccepted;

    /// <summary>A peer left the routing table (dead, or replaced).</summary>
    public event Action<PeerId>? PeerRemoved;

    public KadDhtOptions Options => _options;

    public PeerId LocalPeer => _host.LocalPeer;

    /// <summary>Counters of the server side (requests, refused records, malformed input).</summary>
    public DhtServerStats ServerStats => _handler.Stats;

    public int RoutingTableSize { get { lock (_gate) return _table.Count; } }

    public IReadOnlyList<PeerId> RoutingTablePeers { get { lock (_gate) return _table.Entries.Select(e => e.Peer).ToList(); } }

    public int ProviderRecordCount { get { lock (_gate) return _store.RecordCount; } }

    /// <summary>Loads persisted records, registers the protocol (server mode) and starts the maintenance loop.</summary>
    public Task StartAsync(CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        if (_started) return Task.CompletedTask;
        _started = true;
        if (_options.DataDirectory is { } dir)
        {
            try
            {
                lock (_gate) ProviderStoreFile.Load(_store, dir, _time.GetUtcNow());
            }
            catch (InvalidDataException e)
            {
                DhtLog.StoreLoadFailed(_log, dir, e);
            }
        }
        if (_options.Mode == DhtMode.Server)
        {
            _host.SetStreamHandler(_options.ProtocolId, HandleInboundStreamAsync);
        }
        if (_host is P2pHost p2p)
        {
            // Identify tells us when a peer's protocols are known; other hosts are polled after connecting.
            p2p.PeerIdentified += OnPeerIdentified;
        }
        else
        {
            _host.PeerConnected += OnPeerConnected;
        }
        _host.PeerDisconnected += OnPeerDisconnected;
        foreach (var peer in _host.ConnectedPeers)
        {
            if (SpeaksDht(peer)) Admit(peer);
            else if (_host is not P2pHost) OnPeerConnected(peer);
        }
        _maintenance = MaintenanceLoopAsync(_stopping.Token);
        DhtLog.Started(_log, _options.Mode, _options.ProtocolId, ProviderRecordCount);
        return Task.CompletedTask;
    }

    /// <summary>Dials the bootstrap peers, looks up our own id to fill the table, then refreshes every bucket.</summary>
    /// <returns>The routing table size afterwards.</returns>
    public async Task<int> BootstrapAsync(CancellationToken ct = default)
    {
        var seeds = new List<PeerId>();
        foreach (var address in _options.BootstrapPeers)
        {
            try
            {
                seeds.Add(await _host.ConnectAsync(address, ct).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                DhtLog.BootstrapFailed(_log, address, e.Message);
            }
        }
        lock (_gate) seeds.AddRange(_table.NearestPeers(_table.SelfKey, _options.Lookup.ResultCount));
        await RunLookupAsync(LookupKind.FindNode, _host.LocalPeer.Bytes, seeds.Distinct().ToList(), null, ct).ConfigureAwait(false);
        await RefreshBucketsAsync(force: true, ct).ConfigureAwait(false);
        return RoutingTableSize;
    }

    /// <summary>Adds a peer known to run a DHT server (e.g. from configuration) to the routing table.</summary>
    public void AddServerPeer(PeerId peer) => Admit(peer);

    // ---------------------------------------------------------------- content routing

    /// <summary>Announces that we provide <paramref name="cid"/>, now and every 22 h until stopped.</summary>
    public async Task ProvideAsync(Cid cid, CancellationToken ct = default) => await AnnounceAsync(cid, ct).ConfigureAwait(false);

    /// <summary>Like <see cref="ProvideAsync"/>, returning how many of the closest peers were sent the record.</summary>
    public async Task<int> AnnounceAsync(Cid cid, CancellationToken ct = default)
    {
        var key = new ContentKey(cid.Hash.Bytes.Span);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _store.AddLocal(key, now);
            _store.Add(key, _host.LocalPeer, _policy.Filter(_host.ListenAddresses), now);
        }
        return await PublishAsync(key, ct).ConfigureAwait(false);
    }

    private async Task<int> PublishAsync(ContentKey key, CancellationToken ct)
    {
        var addresses = _policy.Filter(_host.ListenAddresses);
        if (addresses.Count == 0)
        {
            throw new InvalidOperationException(
                $"No address to announce: the host listens on {string.Join(", ", _host.ListenAddresses)} and private addresses are {(_policy.AllowsPrivate ? "allowed" : "not allowed")}.");
        }
        var lookup = await RunLookupAsync(LookupKind.FindNode, key.Bytes, null, null, ct).ConfigureAwait(false);
        var closest = lookup.ClosestPeers();
        var message = new DhtMessage { Type = DhtMessage.Types.MessageType.AddProvider, Key = ByteString.CopyFrom(key.Bytes.Span) };
        message.ProviderPeers.Add(DhtPeerCodec.Encode(_host.LocalPeer, addresses));
        int sent = 0;
        await Parallel.ForEachAsync(closest, new ParallelOptions { MaxDegreeOfParallelism = _options.Lookup.Alpha, CancellationToken = ct }, async (peer, token) =>
        {
            try
            {
                await _messenger.SendMessageAsync(peer.Id, message, token).ConfigureAwait(false);
                Interlocked.Increment(ref sent);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                DhtLog.RequestFailed(_log, "ADD_PROVIDER", peer.Id, e.Message);
            }
        }).ConfigureAwait(false);
        lock (_gate) _store.AddLocal(key, _time.GetUtcNow());
        DhtLog.Announced(_log, key.ToString(), sent, closest.Count);
        return sent;
    }

    /// <summary>Stops announcing <paramref name="cid"/> (records already out there expire within 48 h).</summary>
    public void StopProviding(Cid cid)
    {
        lock (_gate) _store.RemoveLocal(new ContentKey(cid.Hash.Bytes.Span));
    }

    /// <summary>
    /// Providers of <paramref name="cid"/>: ours first (records stored here), then each one as a GET_PROVIDERS lookup
    /// meets it; ends after <paramref name="maxProviders"/> or when the lookup converges. Never yields this node.
    /// </summary>
    public async IAsyncEnumerable<PeerInfo> FindProvidersAsync(Cid cid, int maxProviders, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProviders, 1);
        var key = new ContentKey(cid.Hash.Bytes.Span);
        var seen = new HashSet<PeerId> { _host.LocalPeer };
        List<ProviderRecord> local;
        var now = _time.GetUtcNow();
        lock (_gate) local = _store.Get(key, now, maxProviders + 1);
        int yielded = 0;
        foreach (var record in local)
        {
            if (!seen.Add(record.Provider)) continue;
            var addresses = record.AddressesAt(now);
            if (addresses.Count > 0) _host.AddAddresses(record.Provider, addresses);
            yield return new PeerInfo(record.Provider, addresses.Count > 0 ? addresses : AddressesOf(record.Provider), [], null);
            if (++yielded >= maxProviders) yield break;
        }

        var found = Channel.CreateUnbounded<PeerInfo>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var lookupOptions = _options.Lookup with { MaxProviders = maxProviders - yielded + 1 }; // +1: we may be among them
        var run = RunLookupAsync(LookupKind.GetProviders, key.Bytes, null, found.Writer, stop.Token, lookupOptions);
        try
        {
            await foreach (var provider in found.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                if (!seen.Add(provider.Id)) continue;
                yield return provider;
                if (++yielded >= maxProviders) yield break;
            }
        }
        finally
        {
            stop.Cancel();
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>The closest DHT servers to a key (a peer id's bytes or a multihash), by an iterative FIND_NODE.</summary>
    public async Task<IReadOnlyList<PeerInfo>> FindClosestPeersAsync(ReadOnlyMemory<byte> key, CancellationToken ct = default)
    {
        var lookup = await RunLookupAsync(LookupKind.FindNode, key, null, null, ct).ConfigureAwait(false);
        return lookup.ClosestPeers();
    }

    // ---------------------------------------------------------------- lookups

    private async Task<Lookup> RunLookupAsync(LookupKind kind, ReadOnlyMemory<byte> key, IReadOnlyList<PeerId>? seeds,
        ChannelWriter<PeerInfo>? providers, CancellationToken ct, LookupOptions? options = null)
    {
        options ??= _options.Lookup;
        var target = KadKey.Hash(key.Span);
        if (seeds is null)
        {
            lock (_gate) seeds = _table.NearestPeers(target, options.ResultCount);
        }
        var lookup = new Lookup(kind, key, seeds, _host.LocalPeer, options);
        var request = new DhtMessage
        {
            Type = kind == LookupKind.FindNode ? DhtMessage.Types.MessageType.FindNode : DhtMessage.Types.MessageType.GetProviders,
            Key = ByteString.CopyFrom(key.Span),
        };
        var answers = Channel.CreateUnbounded<(PeerId Peer, DhtMessage? Response)>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var requests = new List<Task>();
        try
        {
            lookup.Start(_time.GetUtcNow());
            while (true)
            {
                while (lookup.TryDequeue(out var action))
                {
                    switch (action.Kind)
                    {
                        case LookupActionKind.SendRequest:
                            var info = action.Info!;
                            if (info.Addresses.Count > 0) _host.AddAddresses(info.Id, info.Addresses);
                            requests.Add(AskAsync(info.Id, request, answers.Writer, stop.Token));
                            break;
                        case LookupActionKind.ProviderFound:
                            var provider = action.Info!;
                            if (provider.Addresses.Count > 0) _host.AddAddresses(provider.Id, provider.Addresses);
                            providers?.TryWrite(provider);
                            break;
                        case LookupActionKind.PeerUnreachable:
                            lock (_gate)
                            {
                                if (_table.Remove(action.Peer!)) DhtLog.PeerEvicted(_log, action.Peer!);
                            }
                            break;
                        case LookupActionKind.Finished:
                            if (lookup.EndReason is LookupEndReason.Converged or LookupEndReason.Exhausted)
                            {
                                lock (_gate) _table.MarkRefreshed(target, _time.GetUtcNow());
                            }
                            DhtLog.LookupEnded(_log, kind, Convert.ToHexStringLower(key.Span), lookup.EndReason, lookup.RequestsSent, lookup.Failures, lookup.Providers.Count, lookup.MaxHops);
                            return lookup;
                    }
                }
                // Every request ends within the messenger's deadline, so waiting for the next answer cannot hang.
                var (peer, response) = await answers.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                var now = _time.GetUtcNow();
                if (response is null)
                {
                    lookup.OnFailure(peer, now);
                }
                else
                {
                    Admit(peer);
                    var closer = DhtPeerCodec.Decode(response.CloserPeers);
                    var found = kind == LookupKind.GetProviders ? DhtPeerCodec.Decode(response.ProviderPeers) : [];
                    lookup.OnResponse(peer, FilterAddresses(closer), FilterAddresses(found), now);
                }
                lookup.OnTimer(now);
            }
        }
        finally
        {
            lookup.Cancel();
            stop.Cancel();
            providers?.TryComplete();
            try
            {
                await Task.WhenAll(requests).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private List<PeerInfo> FilterAddresses(List<PeerInfo> peers)
    {
        if (_policy.AllowsPrivate) return peers;
        for (int i = 0; i < peers.Count; i++)
        {
            var kept = _policy.Filter(peers[i].Addresses);
            if (!ReferenceEquals(kept, peers[i].Addresses)) peers[i] = peers[i] with { Addresses = kept };
        }
        return peers;
    }

    private async Task AskAsync(PeerId peer, DhtMessage request, ChannelWriter<(PeerId, DhtMessage?)> answers, CancellationToken ct)
    {
        DhtMessage? response = null;
        try
        {
            response = await _messenger.SendRequestAsync(peer, request, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            DhtLog.RequestFailed(_log, request.Type.ToString(), peer, e.Message);
        }
        answers.TryWrite((peer, response));
    }

    // ---------------------------------------------------------------- routing table admission

    private IReadOnlyList<Multiaddr> AddressesOf(PeerId peer) => _host.GetPeerInfo(peer)?.Addresses ?? [];

    private bool SpeaksDht(PeerId peer) => _host.GetPeerInfo(peer)?.Protocols.Contains(_options.ProtocolId) == true;

    /// <summary>Adds a peer known to be a DHT server; when its bucket is full, checks the stalest peer and replaces it if dead.</summary>
    private void Admit(PeerId peer)
    {
        PeerId? candidate;
        lock (_gate)
        {
            var update = _table.TryAdd(peer, _time.GetUtcNow(), out candidate);
            if (update != RoutingTableUpdate.BucketFull || !_evictionChecks.Add(candidate!)) return;
        }
        _background.Run(() => CheckEvictionAsync(candidate!, peer));
    }

    private async Task CheckEvictionAsync(PeerId stale, PeerId newcomer)
    {
        bool alive;
        try
        {
            var probe = new DhtMessage { Type = DhtMessage.Types.MessageType.FindNode, Key = ByteString.CopyFrom(stale.Bytes.Span) };
            await _messenger.SendRequestAsync(stale, probe, _stopping.Token).ConfigureAwait(false);
            alive = true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            alive = false;
        }
        lock (_gate)
        {
            _evictionChecks.Remove(stale);
            var now = _time.GetUtcNow();
            if (alive)
            {
                _table.MarkSeen(stale, now);
                return;
            }
            if (_table.Remove(stale)) DhtLog.PeerEvicted(_log, stale);
            _table.TryAdd(newcomer, now, out _);
        }
    }

    private void OnPeerIdentified(PeerId peer, Shoal.Net.IdentifyResult _)
    {
        if (!_stopping.IsCancellationRequested && SpeaksDht(peer)) Admit(peer);
    }

    private void OnPeerConnected(PeerId peer)
    {
        if (_stopping.IsCancellationRequested) return;
        _background.Run(() => AdmitWhenIdentifiedAsync(peer, _stopping.Token));
    }

    private async Task AdmitWhenIdentifiedAsync(PeerId peer, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + IdentifyWait;
        while (!ct.IsCancellationRequested)
        {
            var info = _host.GetPeerInfo(peer);
            if (info is not null && info.Protocols.Count > 0)
            {
                if (info.Protocols.Contains(_options.ProtocolId)) Admit(peer);
                return;
            }
            if (_time.GetUtcNow() >= deadline) return;
            try
            {
                await Task.Delay(IdentifyPoll, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnPeerDisconnected(PeerId peer) => _messenger.Prune(peer);

    // ---------------------------------------------------------------- server side

    private async Task HandleInboundStreamAsync(IP2pStream stream, CancellationToken ct)
    {
        var peer = stream.RemotePeer;
        int open;
        lock (_gate)
        {
            _inboundStreams.TryGetValue(peer, out open);
            _inboundStreams[peer] = ++open;
        }
        try
        {
            if (open > _options.MaxInboundStreamsPerPeer)
            {
                DhtLog.InboundStreamLimit(_log, peer, open, _options.MaxInboundStreamsPerPeer);
                stream.Reset();
                return;
            }
            if (SpeaksDht(peer)) Admit(peer);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
            // One stream carries many requests: keep reading until the remote closes or idles past the timeout.
            while (true)
            {
                DhtMessage? request;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(linked.Token))
                {
                    idle.CancelAfter(_options.RequestTimeout);
                    try
                    {
                        request = await DhtStreamIO.ReadAsync(stream.Input, idle.Token, DhtConstants.MaxRequestSize).ConfigureAwait(false);
                    }
                    catch (DhtProtocolException)
                    {
                        _handler.Stats.RequestRefused(); // framing or protobuf error, before the handler saw it
                        throw;
                    }
                    catch (OperationCanceledException) when (!linked.IsCancellationRequested)
                    {
                        DhtLog.InboundRejected(_log, peer, "idle past the request timeout");
                        stream.Reset();
                        return;
                    }
                }
                if (request is null)
                {
                    await stream.CloseWriteAsync(linked.Token).ConfigureAwait(false);
                    return;
                }
                DhtMessage? response;
                lock (_gate)
                {
                    _table.MarkSeen(peer, _time.GetUtcNow());
                    response = _handler.Handle(peer, request, _time.GetUtcNow());
                }
                if (request.Type == DhtMessage.Types.MessageType.AddProvider)
                {
                    // The handler accepted it (it throws otherwise): remember the provider's addresses for dialling.
                    var info = DhtPeerCodec.TryDecode(request.ProviderPeers[0]);
                    if (info is not null && info.Id.Equals(peer)) _host.AddAddresses(peer, _policy.Filter(info.Addresses));
                    ProviderRecordAccepted?.Invoke(new ContentKey(request.Key.Span), peer);
                }
                if (response is not null)
                {
                    using var write = CancellationTokenSource.CreateLinkedTokenSource(linked.Token);
                    write.CancelAfter(_options.RequestTimeout);
                    await DhtStreamIO.WriteAsync(stream.Output, response, write.Token).ConfigureAwait(false);
                }
            }
        }
        catch (DhtProtocolException e)
        {
            DhtLog.InboundRejected(_log, peer, e.Message);
            stream.Reset();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            DhtLog.InboundRejected(_log, peer, e.Message);
            stream.Reset();
        }
        catch (Exception e)
        {
            // A bug on our side must cost one stream, never the node: log it loudly and reset.
            DhtLog.InboundHandlerBug(_log, peer, e);
            stream.Reset();
        }
        finally
        {
            lock (_gate)
            {
                if (_inboundStreams.TryGetValue(peer, out int n) && n > 1) _inboundStreams[peer] = n - 1;
                else _inboundStreams.Remove(peer);
            }
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- maintenance

    private async Task MaintenanceLoopAsync(CancellationToken ct)
    {
        if (_options.MaintenanceInterval == Timeout.InfiniteTimeSpan) return;
        using var timer = new PeriodicTimer(_options.MaintenanceInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                await RunMaintenanceAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>One maintenance pass: expire records, refresh stale buckets, reprovide, persist. Public for tests and the node's admin API.</summary>
    public async Task RunMaintenanceAsync(CancellationToken ct = default)
    {
        _messenger.Prune();
        lock (_gate) _store.RemoveExpired(_time.GetUtcNow());
        await Step("refresh", () => RefreshBucketsAsync(force: false, ct)).ConfigureAwait(false);
        await Step("reprovide", () => ReprovideAsync(ct)).ConfigureAwait(false);
        await Step("persist", () => { Persist(); return Task.CompletedTask; }).ConfigureAwait(false);

        async Task Step(string name, Func<Task> step)
        {
            try
            {
                await step().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                DhtLog.MaintenanceFailed(_log, name, e);
            }
        }
    }

    private async Task RefreshBucketsAsync(bool force, CancellationToken ct)
    {
        List<int> buckets;
        lock (_gate)
        {
            if (_table.Count == 0) return;
            buckets = _table.StaleBuckets(_time.GetUtcNow(), force ? TimeSpan.Zero : _options.BucketRefreshInterval);
        }
        foreach (int cpl in buckets)
        {
            byte[] key;
            lock (_gate) key = _table.RandomKeyForBucket(cpl);
            await RunLookupAsync(LookupKind.FindNode, key, null, null, ct).ConfigureAwait(false);
        }
    }

    private async Task ReprovideAsync(CancellationToken ct)
    {
        List<ContentKey> due;
        lock (_gate) due = _store.DueForReprovide(_time.GetUtcNow(), _options.ReprovideInterval);
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = ReprovideConcurrency, CancellationToken = ct }, async (key, token) =>
        {
            lock (_gate) _store.Add(key, _host.LocalPeer, _policy.Filter(_host.ListenAddresses), _time.GetUtcNow());
            try
            {
                await PublishAsync(key, token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                DhtLog.MaintenanceFailed(_log, "reprovide " + key, e);
            }
        }).ConfigureAwait(false);
    }

    private void Persist()
    {
        if (_options.DataDirectory is not { } dir) return;
        ProviderStoreSnapshot snapshot;
        lock (_gate)
        {
            if (!_store.IsDirty) return;
            snapshot = ProviderStoreFile.Snapshot(_store);
        }
        lock (_persistGate) ProviderStoreFile.Write(snapshot, dir);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_host is P2pHost p2p) p2p.PeerIdentified -= OnPeerIdentified;
        _host.PeerConnected -= OnPeerConnected;
        _host.PeerDisconnected -= OnPeerDisconnected;
        _stopping.Cancel();
        if (_maintenance is not null) await _maintenance.ConfigureAwait(false);
        await _background.DrainAsync().ConfigureAwait(false);
        await _messenger.DisposeAsync().ConfigureAwait(false);
        Persist();
        _stopping.Dispose();
    }
}
