using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>
/// The sans-I/O Bitswap node: client sessions and server decision engine in one state machine. It starts no
/// task, reads no clock and does no I/O. The host feeds it inputs (peers, messages, timers, stored blocks,
/// session requests), each with the current time, then drains the resulting <see cref="BitswapAction"/>s and
/// calls <see cref="Tick"/> at <see cref="NextWakeUp"/>. The same core runs under real sockets
/// (<see cref="Bitswap"/>) and under the Lab's virtual clock. Not thread-safe: one caller at a time.
/// </summary>
public sealed partial class BitswapEngine
{
    private readonly IBlockLookup _blocks;
    private readonly Random _random;
    private readonly TimerQueue _timers = new();
    private readonly List<BitswapAction> _actions = [];
    private readonly Dictionary<PeerId, PeerState> _peers = [];
    private readonly List<PeerState> _peerList = [];
    private readonly PeersWithAnswers _peersWithAnswers = new();
    private long _nextPeerOrdinal;
    private TimeSpan _now;
    private int _depth;
    private bool _batching;

    public BitswapEngine(PeerId self, IBlockLookup blocks, BitswapOptions? options = null)
    {
        Self = self ?? throw new ArgumentNullException(nameof(self));
        _blocks = blocks ?? throw new ArgumentNullException(nameof(blocks));
        Options = options ?? new BitswapOptions();
        _random = new Random(Options.RandomSeed);
        _rebroadcastTimer = new CoreTimer(OnRebroadcastTimer);
    }

    public PeerId Self { get; }

    public BitswapOptions Options { get; }

    public BitswapStats Stats { get; } = new();

    /// <summary>When the host must call <see cref="Tick"/> next, or null when no timer is armed.</summary>
    public TimeSpan? NextWakeUp => _timers.Next;

    /// <summary>Peers Bitswap can talk to, in connection order.</summary>
    public IReadOnlyList<PeerId> ConnectedPeers
    {
        get
        {
            var list = new List<PeerId>(_peerList.Count);
            foreach (var p in _peerList) list.Add(p.Id);
            return list;
        }
    }

    /// <summary>Moves the actions produced so far into <paramref name="into"/>; returns how many.</summary>
    public int DrainActions(List<BitswapAction> into)
    {
        int n = _actions.Count;
        into.AddRange(_actions);
        _actions.Clear();
        return n;
    }

    /// <summary>The actions produced so far, without removing them (tests).</summary>
    public IReadOnlyList<BitswapAction> PendingActions => _actions;

    // ------------------------------------------------------------------ inputs

    /// <summary>Bitswap can now talk to <paramref name="peer"/> using <paramref name="version"/>.</summary>
    public void PeerConnected(PeerId peer, BitswapProtocolVersion version, TimeSpan now)
    {
        Begin(now);
        if (_peers.TryGetValue(peer, out var existing))
        {
            existing.Version = version;
        }
        else if (!peer.Equals(Self))
        {
            var state = AddPeer(peer, version, now);
            OnClientPeerConnected(state);
        }
        End();
    }

    /// <summary>The peer is gone: its wants on us are dropped and sessions stop counting on it.</summary>
    public void PeerDisconnected(PeerId peer, TimeSpan now)
    {
        Begin(now);
        if (_peers.Remove(peer, out var state))
        {
            state.Connected = false;
            _peerList.Remove(state);
            _shoalNearestStale = true;
            Stats.Peers = _peerList.Count;
            OnClientPeerDisconnected(state);
            OnServerPeerDisconnected(state);
        }
        End();
    }

    /// <summary>The network path's round trip to the peer, measured apart from Bitswap's answers (a libp2p ping; the link
    /// in the simulator). Only the Shoal strategy uses it: to tell peers in its region from far ones.</summary>
    public void PeerPathMeasured(PeerId peer, TimeSpan roundTrip, TimeSpan now)
    {
        Begin(now);
        if (_peers.TryGetValue(peer, out var state))
        {
            state.PathRoundTrip = roundTrip;
            _shoalNearestStale = true;
        }
        End();
    }

    /// <summary>The path round trip last measured to <paramref name="peer"/> (<see cref="PeerPathMeasured"/>), null if none.</summary>
    public TimeSpan? PathRoundTripTo(PeerId peer) => _peers.TryGetValue(peer, out var p) ? p.PathRoundTrip : null;

    /// <summary>A ping measured the round trip to the peer (sets its DONT_HAVE timeout until answers are timed).</summary>
    public void PeerLatencyMeasured(PeerId peer, TimeSpan roundTrip, TimeSpan now)
    {
        Begin(now);
        if (_peers.TryGetValue(peer, out var state))
        {
            state.PingLatency = roundTrip;
            RescheduleDontHaveTimer(state);
        }
        End();
    }

    /// <summary>A decoded message from <paramref name="peer"/> (its blocks were verified by the codec).</summary>
    public void MessageReceived(PeerId peer, BitswapMessage message, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(message);
        Begin(now);
        if (!_peers.TryGetValue(peer, out var state))
        {
            // A peer that wrote before the host reported it: assume the current protocol.
            state = AddPeer(peer, BitswapProtocolVersion.V120, now);
            OnClientPeerConnected(state);
        }
        Stats.MessagesReceived++;
        ServerMessageReceived(state, message);
        ClientMessageReceived(state, message);
        End();
    }

    /// <summary>A <see cref="SendMessage"/> with server work was written (or failed): frees the peer's
    /// outstanding-bytes budget so the server can send it more.</summary>
    public void MessageSent(PeerId peer, int serverWork, TimeSpan now)
    {
        Begin(now);
        OnEnvelopeSent(peer, serverWork);
        End();
    }

    /// <summary>A block is now in the store (added locally, or fetched and persisted after
    /// <see cref="StoreBlock"/>): peers waiting for it are served, sessions wanting it complete.</summary>
    public void BlockStored(Block block, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(block);
        Begin(now);
        _unstored.Remove(block.Cid);
        ClientBlockAvailable(block);
        ServerBlockAvailable(block.Cid);
        End();
    }

    /// <summary>A block left the local store (garbage collection): a full ledger gives up wants for blocks we lack
    /// first, so wants for it count as such again. Blocks that arrive need no such call.</summary>
    public void BlockRemoved(Cid cid, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(cid);
        Begin(now);
        ServerBlockRemoved(cid);
        End();
    }

    /// <summary>Answers a <see cref="FindProviders"/>: these peers say they have <paramref name="cid"/>.</summary>
    public void ProvidersFound(Cid cid, IEnumerable<PeerId> providers, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(providers);
        Begin(now);
        foreach (var p in providers) OnProviderFound(cid, p);
        End();
    }

    /// <summary>Fires the timers due at <paramref name="now"/>.</summary>
    public void Tick(TimeSpan now)
    {
        Begin(now);
        End();
    }

    /// <summary>Starts a batch: the inputs given until <see cref="EndBatch"/> are applied in order, and what they lead
    /// to (wants, cancels, answers, blocks served) is decided once, when the batch ends. A host that finds several
    /// inputs queued passes them as one batch, so a cancel queued behind a want-block removes it before anything is
    /// served, and the per-input work (choosing wants, serving) runs once per batch. The simulator feeds one input at
    /// a time and does not batch.</summary>
    public void BeginBatch()
    {
        if (_batching || _depth > 0) throw new InvalidOperationException("a batch is already open or the engine is busy");
        _batching = true;
    }

    /// <summary>Ends the batch opened by <see cref="BeginBatch"/> and decides its outgoing work at <paramref name="now"/>.</summary>
    public void EndBatch(TimeSpan now)
    {
        if (!_batching) throw new InvalidOperationException("no batch is open");
        _batching = false;
        Begin(now);
        End();
    }

    // ------------------------------------------------------------------ plumbing

    private void Begin(TimeSpan now)
    {
        if (_depth++ > 0) throw new InvalidOperationException("BitswapEngine is not reentrant; call it from one loop");
        if (now < _now) now = _now; // time never goes back for the core
        _now = now;
        _timers.RunDue(now);
    }

    private void End()
    {
        try
        {
            if (!_batching)
            {
                ProcessPendingSessions();
                if (Options.Strategy == BitswapStrategy.Shoal) AssignAllShoal();
                FlushOutboxes();
                Serve();
            }
            Stats.Wantlist = _interest.Count;
        }
        finally
        {
            _depth--;
        }
    }

    /// <summary>A peer we had no state for: known from now on, in connection order.</summary>
    private PeerState AddPeer(PeerId peer, BitswapProtocolVersion version, TimeSpan now)
    {
        var state = new PeerState(peer, version, _random.NextInt64(), now) { Ordinal = _nextPeerOrdinal++ };
        state.Ledger.Attach(_peersWithAnswers, state);
        _peers.Add(peer, state);
        _peerList.Add(state);
        Stats.Peers = _peerList.Count;
        return state;
    }

    private void Emit(BitswapAction action) => _actions.Add(action);

    private void Schedule(CoreTimer timer, TimeSpan due) => _timers.Schedule(timer, due < _now ? _now : due);

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max)
        => value < min ? min : value > max ? max : value;
}
