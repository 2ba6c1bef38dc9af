using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>Everything the core knows about one connected peer: as a client (what we asked it, how fast it
/// answers) and as a server (its ledger).</summary>
internal sealed class PeerState
{
    public PeerState(PeerId id, BitswapProtocolVersion version, long tiebreak, TimeSpan connectedAt)
    {
        Id = id;
        Version = version;
        Tiebreak = tiebreak;
        ConnectedAt = connectedAt;
    }

    public readonly PeerId Id;
    public BitswapProtocolVersion Version;
    public readonly long Tiebreak;

    /// <summary>Creation order in the engine (its peer list keeps this order): orders <see cref="PeersWithAnswers"/>.</summary>
    public long Ordinal;
    public readonly TimeSpan ConnectedAt;
    public bool Connected = true;

    public bool SupportsHave => Version >= BitswapProtocolVersion.V120;

    // ---- client side
    public readonly Dictionary<Cid, SentWant> SentWants = [];
    public readonly WantOutbox Outbox = new();
    public bool OutboxDirty;

    /// <summary>The outbox holds an entry that must go at the next flush (a want, or a cancel of a want-block).</summary>
    public bool OutboxUrgent;

    /// <summary>The outbox holds cancels of want-have subscriptions, the oldest queued at <see cref="OutboxLazySince"/>.</summary>
    public bool OutboxLazy;
    public TimeSpan OutboxLazySince;

    /// <summary>boxo's message queue numbers wants in the order it sends them (from int.MaxValue down), so the peer
    /// serves them first come, first served whatever session they belong to.</summary>
    public int NextWantPriority = int.MaxValue;
    public TimeSpan NextSendAllowed;
    public CoreTimer? FlushTimer;

    /// <summary>Want-blocks sent with sendDontHave, oldest first, for simulated DONT_HAVEs.</summary>
    public readonly Queue<(Cid Cid, TimeSpan SentAt)> DontHaveQueue = new();
    public CoreTimer? DontHaveTimer;
    public TimeSpan? PingLatency;

    /// <summary>The network path's round trip, measured apart from Bitswap's answers (libp2p ping on real hosts, the link
    /// in the simulator); null while unknown. The Shoal strategy tells peers in its region from far ones by it.</summary>
    public TimeSpan? PathRoundTrip;
    public double LatencyEwmaSeconds;
    public int LatencySamples;

    public double MinLatencySeconds = double.MaxValue;

    /// <summary>CIDs we cancelled at this peer lately (a ring), so blocks already on the wire are not held against it.</summary>
    public readonly HashSet<Cid> RecentCancels = [];
    public readonly Queue<Cid> RecentCancelOrder = new();

    /// <summary>When the peer last sent us anything (Shoal: an active 1.2 peer is slow, not silent).</summary>
    public TimeSpan LastMessageAt;

    public int UnsolicitedBlocks;
    public long BlocksReceived;
    public long BytesReceived;

    /// <summary>The peer's last pendingBytes: how much it has queued for us.</summary>
    public long RemotePendingBytes;

    /// <summary>Want-blocks outstanding at this peer (sent, not answered).</summary>
    public int OutstandingWantBlocks;

    /// <summary>Estimated bytes outstanding at this peer: sum of expected sizes of want-blocks in flight.</summary>
    public long OutstandingBytes;

    /// <summary>Moving average of the delivery rate from this peer (bytes/second); 0 until measured.</summary>
    public double RateBytesPerSecond;
    public TimeSpan LastBlockAt;
    public TimeSpan RateSpanStart;
    public long RateSpanBytes;

    // ---- server side
    public readonly PeerLedger Ledger = new();

    // ---- Shoal strategy

    /// <summary>Shoal: the peer had room but held nothing we wait for; skipped until a HAVE or a returned want.</summary>
    public bool ShoalEmpty;

    /// <summary>Shoal: share of our wants the peer holds, computed per assignment pass (poorest served first).</summary>
    public double ShoalRichness;

    /// <summary>Shoal: the peer has asked us for blocks, so it is fetching too (a seeder never asks).</summary>
    public bool ShoalAskedUs;

    /// <summary>Shoal server: the blocks of each envelope handed to the host and not yet reported written, oldest
    /// first (a connection writes them in order), so the server knows when a block's copy has left.</summary>
    public readonly Queue<Cid[]> ShoalEnvelopeBlocks = new();

    /// <summary>Shoal: a hash of the peer id every node computes alike (0 until first needed).</summary>
    public ulong ShoalKey;
}
