using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>One fetch (a DAG, or a set of CIDs): its wants, its peers and what it learned about them.</summary>
internal sealed class ClientSession(long id, ILinkExtractor? links, TimeSpan now)
{
    public readonly long Id = id;
    public readonly ILinkExtractor? Links = links;

    /// <summary>Live wants, in the order they were added (deterministic iteration).</summary>
    public readonly Dictionary<Cid, SessionWant> Wants = [];

    public readonly List<PeerState> Peers = [];
    public readonly HashSet<PeerId> PeerSet = [];
    public readonly Dictionary<PeerId, int> FirstResponses = [];
    public readonly Dictionary<PeerId, int> ConsecutiveDontHaves = [];

    /// <summary>How many of the live wants each peer said HAVE for: a peer holding everything (a seeder) is
    /// the one everybody asks, so Shoal prefers poorer peers that have the block.</summary>
    public readonly Dictionary<PeerId, int> PeerHaves = [];

    /// <summary>Wants needing a send decision at the end of the current input.</summary>
    public readonly List<SessionWant> Pending = [];

    /// <summary>Shoal: peers presumed to hold every block of this DAG (a peer that never asked us anything said HAVE for
    /// the root), with the wants presumed of each (HAVE recorded without a want-have; a real HAVE confirms one).</summary>
    public readonly Dictionary<PeerId, HashSet<Cid>> ShoalPresumed = [];

    /// <summary>Shoal: wants waiting for a peer with room in its window, in fetch order.</summary>
    public readonly List<SessionWant> Unassigned = [];

    /// <summary>CIDs this DAG session has already seen, so shared subtrees are fetched once.</summary>
    public readonly HashSet<Cid> Seen = [];

    /// <summary>Shoal: depth of the shallowest block without links received so far (a leaf); wants at least this deep
    /// are leaves too (UnixFS keeps a file's leaves at one depth), shallower ones are inner nodes.</summary>
    public int ShoalLeafDepth = int.MaxValue;

    /// <summary>DAG walk concurrency (0 = every link at once): like Kubo's merkledag walk, only this many blocks
    /// are requested at a time; the rest wait in <see cref="Held"/>, in the order the walk met them.</summary>
    public int WalkLimit;

    /// <summary>Wants handed to the want sender and not yet received.</summary>
    public int Released;

    /// <summary>Wants the walk found but has not requested yet (<see cref="SessionWant.Held"/>).</summary>
    public readonly Queue<SessionWant> Held = new();

    /// <summary>1.1: wants not yet live, in request order (go-bitswap's toFetch queue).</summary>
    public readonly Queue<SessionWant> LegacyToFetch = new();

    /// <summary>1.1: wants sent and not yet received.</summary>
    public int LegacyLiveCount;

    /// <summary>1.1: how many groups the session's peers are split into (each want goes to one group).</summary>
    public int LegacySplit = BitswapDefaults.LegacyInitialSplit;

    /// <summary>1.1: blocks received for this session, and how many of them were duplicates.</summary>
    public int LegacyReceived;
    public int LegacyDuplicates;

    public CoreTimer? IdleTimer;
    public CoreTimer? PeriodicTimer;
    public int ConsecutiveTicks;
    public TimeSpan TotalLatency;
    public long LatencyCount;
    public int NextPriority = int.MaxValue;
    public bool PeersDiscovered;
    public bool Closed;
    public bool QueuedForSend;

    /// <summary>Shoal: something changed (a window opened, a HAVE came, new wants) so waiting wants may go out.</summary>
    public bool AssignPending;

    /// <summary>Wants sent out by broadcast while the session had no peers (boxo's live wants).</summary>
    public int LiveBroadcasts;

    public readonly SessionStats Stats = new() { StartedAt = now };

    public TimeSpan? AverageLatency => LatencyCount > 0 && TotalLatency > TimeSpan.Zero
        ? TimeSpan.FromTicks(TotalLatency.Ticks / LatencyCount) : null;
}
