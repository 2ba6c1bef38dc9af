using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// The iterative Kademlia lookup (libp2p kad-dht "Peer routing") as a sans-I/O state machine. Feed it responses,
/// failures and timer ticks with the current time; drain <see cref="TryDequeue"/> for requests to send, providers
/// found, and the end. It starts no task and reads no clock, so a simulator can drive it on virtual time.
/// </summary>
public sealed class Lookup
{
    private enum PeerState { Heard, Waiting, Succeeded, Failed }

    private sealed class Candidate(PeerId peer, KadKey key, int hop)
    {
        public PeerId Peer { get; } = peer;
        public KadKey Key { get; } = key;
        public int Hop { get; set; } = hop;
        public PeerState State { get; set; }
        public DateTimeOffset SentAt { get; set; }
        public IReadOnlyList<Multiaddr> Addresses { get; set; } = [];
    }

    private readonly List<Candidate> _byDistance = new();
    private readonly Dictionary<PeerId, Candidate> _byPeer = new();
    private readonly Dictionary<PeerId, PeerInfo> _providers = new();
    private readonly Queue<LookupAction> _actions = new();
    private readonly PeerId? _self;
    private int _inFlight;
    private bool _started;

    public Lookup(LookupKind kind, ReadOnlyMemory<byte> key, IEnumerable<PeerId> seeds, PeerId? self, LookupOptions? options = null)
        : this(kind, key, seeds, self, options, seedAddresses: null)
    {
    }

    /// <param name="seedAddresses">Optional addresses for the seed peers (the driver may know them already).</param>
    public Lookup(LookupKind kind, ReadOnlyMemory<byte> key, IEnumerable<PeerId> seeds, PeerId? self, LookupOptions? options, Func<PeerId, IReadOnlyList<Multiaddr>>? seedAddresses)
    {
        if (key.Length == 0 || key.Length > DhtConstants.MaxKeyLength)
        {
            throw new ArgumentException($"A lookup key is 1..{DhtConstants.MaxKeyLength} bytes, got {key.Length}.", nameof(key));
        }
        Kind = kind;
        Key = key;
        Target = KadKey.Hash(key.Span);
        Options = options ?? new LookupOptions();
        _self = self;
        foreach (var seed in seeds)
        {
            var candidate = Track(seed, hop: 1);
            if (candidate is not null && seedAddresses is not null)
            {
                candidate.Addresses = seedAddresses(seed);
            }
        }
    }

    public LookupKind Kind { get; }

    /// <summary>The key as sent on the wire (a multihash or peer id bytes).</summary>
    public ReadOnlyMemory<byte> Key { get; }

    public KadKey Target { get; }

    public LookupOptions Options { get; }

    public bool IsFinished => EndReason != LookupEndReason.None;

    public LookupEndReason EndReason { get; private set; }

    public int RequestsSent { get; private set; }

    public int Responses { get; private set; }

    public int Failures { get; private set; }

    /// <summary>Length of the request chain that led to the first provider (1 = a seed had it); 0 if none yet.</summary>
    public int FirstProviderHops { get; private set; }

    /// <summary>Deepest request chain that answered.</summary>
    public int MaxHops { get; private set; }

    public int InFlight => _inFlight;

    public IReadOnlyCollection<PeerInfo> Providers => _providers.Values;

    /// <summary>When the oldest outstanding request times out; call <see cref="OnTimer"/> then.</summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            DateTimeOffset? next = null;
            foreach (var c in _byDistance)
            {
                if (c.State == PeerState.Waiting)
                {
                    var deadline = c.SentAt + Options.RequestTimeout;
                    if (next is null || deadline < next) next = deadline;
                }
            }
            return next;
        }
    }

    /// <summary>Begins: queues the first α requests (or finishes at once when there is nobody to ask).</summary>
    public void Start(DateTimeOffset now)
    {
        if (_started) return;
        _started = true;
        Advance(now);
    }

    /// <summary>A peer answered: learn its closer peers and providers.</summary>
    public void OnResponse(PeerId from, IReadOnlyList<PeerInfo> closerPeers, IReadOnlyList<PeerInfo> providers, DateTimeOffset now)
    {
        if (IsFinished || !_byPeer.TryGetValue(from, out var responder) || responder.State != PeerState.Waiting)
        {
            return;
        }
        responder.State = PeerState.Succeeded;
        _inFlight--;
        Responses++;
        MaxHops = Math.Max(MaxHops, responder.Hop);

        if (Kind == LookupKind.GetProviders)
        {
            foreach (var provider in providers)
            {
                if (_providers.ContainsKey(provider.Id)) continue;
                _providers.Add(provider.Id, provider);
                if (FirstProviderHops == 0) FirstProviderHops = responder.Hop;
                _actions.Enqueue(new LookupAction(LookupActionKind.ProviderFound, provider.Id, provider));
                if (_providers.Count >= Options.MaxProviders)
                {
                    Finish(LookupEndReason.EnoughProviders);
                    return;
                }
            }
        }

        int limit = Math.Min(closerPeers.Count, DhtConstants.MaxPeersPerList);
        for (int i = 0; i < limit; i++)
        {
            var info = closerPeers[i];
            if (_byPeer.TryGetValue(info.Id, out var known))
            {
                known.Hop = Math.Min(known.Hop, responder.Hop + 1);
                if (known.Addresses.Count == 0 && info.Addresses.Count > 0) known.Addresses = info.Addresses;
                continue;
            }
            var added = Track(info.Id, responder.Hop + 1);
            if (added is not null) added.Addresses = info.Addresses;
        }
        Advance(now);
    }

    /// <summary>A request failed (dial error, stream reset, malformed answer, driver-side timeout).</summary>
    public void OnFailure(PeerId from, DateTimeOffset now)
    {
        if (IsFinished || !_byPeer.TryGetValue(from, out var c) || c.State != PeerState.Waiting)
        {
            return;
        }
        c.State = PeerState.Failed;
        _inFlight--;
        Failures++;
        _actions.Enqueue(new LookupAction(LookupActionKind.PeerUnreachable, c.Peer, null));
        Advance(now);
    }

    /// <summary>Time passed: fail requests older than the timeout, then send more.</summary>
    public void OnTimer(DateTimeOffset now)
    {
        if (IsFinished) return;
        bool changed = false;
        foreach (var c in _byDistance)
        {
            if (c.State == PeerState.Waiting && now - c.SentAt >= Options.RequestTimeout)
            {
                c.State = PeerState.Failed;
                _inFlight--;
                Failures++;
                _actions.Enqueue(new LookupAction(LookupActionKind.PeerUnreachable, c.Peer, null));
                changed = true;
            }
        }
        if (changed) Advance(now);
    }

    /// <summary>Stops the lookup; outstanding answers are ignored.</summary>
    public void Cancel()
    {
        if (!IsFinished) Finish(LookupEndReason.Cancelled);
    }

    public bool TryDequeue(out LookupAction action) => _actions.TryDequeue(out action);

    /// <summary>Peers that answered, closest to the key first, at most <see cref="LookupOptions.ResultCount"/>.</summary>
    public List<PeerInfo> ClosestPeers()
    {
        var result = new List<PeerInfo>(Options.ResultCount);
        foreach (var c in _byDistance)
        {
            if (c.State != PeerState.Succeeded) continue;
            result.Add(new PeerInfo(c.Peer, c.Addresses, [], null));
            if (result.Count == Options.ResultCount) break;
        }
        return result;
    }

    private Candidate? Track(PeerId peer, int hop)
    {
        if (_self is not null && peer.Equals(_self)) return null;
        if (_byPeer.ContainsKey(peer)) return null;
        var candidate = new Candidate(peer, KadKey.Hash(peer.Bytes.Span), hop);
        int index = BinarySearch(candidate.Key);
        if (index >= Options.MaxTrackedPeers) return null;
        _byDistance.Insert(index, candidate);
        _byPeer.Add(peer, candidate);
        if (_byDistance.Count > Options.MaxTrackedPeers)
        {
            // Forget the farthest peer we have not asked yet; asked ones stay so their answers still count.
            for (int i = _byDistance.Count - 1; i >= 0; i--)
            {
                if (_byDistance[i].State == PeerState.Heard)
                {
                    _byPeer.Remove(_byDistance[i].Peer);
                    _byDistance.RemoveAt(i);
                    break;
                }
            }
        }
        return _byPeer.ContainsKey(peer) ? candidate : null;
    }

    private int BinarySearch(in KadKey key)
    {
        int lo = 0, hi = _byDistance.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (Target.CompareDistance(_byDistance[mid].Key, key) < 0) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private void Advance(DateTimeOffset now)
    {
        if (!_started || IsFinished) return;
        int rank = 0;
        bool pending = false;
        foreach (var c in _byDistance)
        {
            if (c.State == PeerState.Failed) continue;
            if (++rank > Options.ResultCount) break;
            if (c.State == PeerState.Heard)
            {
                pending = true;
                if (_inFlight < Options.Alpha)
                {
                    c.State = PeerState.Waiting;
                    c.SentAt = now;
                    _inFlight++;
                    RequestsSent++;
                    _actions.Enqueue(new LookupAction(LookupActionKind.SendRequest, c.Peer, new PeerInfo(c.Peer, c.Addresses, [], null)));
                }
            }
            else if (c.State == PeerState.Waiting)
            {
                pending = true;
            }
        }
        if (!pending)
        {
            Finish(rank >= Options.ResultCount ? LookupEndReason.Converged : LookupEndReason.Exhausted);
        }
    }

    private void Finish(LookupEndReason reason)
    {
        EndReason = reason;
        _actions.Enqueue(new LookupAction(LookupActionKind.Finished, null, null));
    }
}
