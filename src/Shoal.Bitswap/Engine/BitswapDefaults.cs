namespace Shoal.Bitswap;

/// <summary>boxo's tunables (bitswap/internal/defaults, client/internal/*, server/internal/decision) with the
/// reason each has its value. <see cref="BitswapOptions"/> starts from these.</summary>
public static class BitswapDefaults
{
    // ---- client: sessions

    /// <summary>Wait this long for connected peers to answer a broadcast before asking the content routing:
    /// a DHT walk costs seconds and dozens of dials, a neighbour usually answers in one round trip.</summary>
    public static readonly TimeSpan ProviderSearchDelay = TimeSpan.FromSeconds(1);

    /// <summary>Every live session searches providers for one random want this often, so a long fetch finds
    /// seeders that appear after it started.</summary>
    public static readonly TimeSpan PeriodicSearchDelay = TimeSpan.FromMinutes(1);

    /// <summary>Providers asked from one search: enough to spread load, few enough to dial quickly.</summary>
    public const int MaxProvidersPerSearch = 10;

    /// <summary>Wants broadcast (want-have to every connected peer) while a session has no peers yet; was 4
    /// before PR 189, 64 finds peers for a wide DAG level in one round without flooding everyone.</summary>
    public const int BroadcastLiveWantsLimit = 64;

    /// <summary>Idle tick base: a session that got no block for 500 ms + 3 × its average latency rebroadcasts.</summary>
    public static readonly TimeSpan BaseTickDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Consecutive DONT_HAVEs after which a peer leaves a session: it clearly holds other content.</summary>
    public const int PeerDontHaveLimit = 16;

    /// <summary>Blocks a DAG fetch asks for at once: boxo's merkledag walk (Kubo's pin, refs, dag export) runs 32
    /// fetch workers, each getting one block through the session; the session itself has no other window.</summary>
    public const int DagWalkConcurrency = 32;

    // ---- client: Bitswap 1.1 sessions (go-bitswap before PR 189)

    /// <summary>1.1: live wants of a session that has peers; more wait until blocks arrive.</summary>
    public const int LegacyTargetedLiveWants = 32;

    /// <summary>1.1: live wants broadcast (want-block to every peer) while a session has no peers yet.</summary>
    public const int LegacyBroadcastLiveWants = 4;

    /// <summary>1.1: peers a session splits its wants over (the fastest first).</summary>
    public const int LegacyMaxSessionPeers = 32;

    /// <summary>1.1: initial split: each want goes to one of this many groups of the session's peers.</summary>
    public const int LegacyInitialSplit = 2;

    /// <summary>1.1: the split never exceeds this many groups.</summary>
    public const int LegacyMaxSplit = 16;

    /// <summary>1.1: more duplicates than this share of received blocks splits the peers into one more group.</summary>
    public const double LegacyMaxAcceptableDupes = 0.4;

    /// <summary>1.1: fewer duplicates than this share merges one group back (asks more peers per want).</summary>
    public const double LegacyMinDupesToTryLessSplits = 0.2;

    /// <summary>1.1: blocks received before the duplicate ratio is trusted.</summary>
    public const int LegacyMinReceivedToAdjustSplit = 2;

    /// <summary>1.1: the old decision engine packed up to 512 KiB of blocks into one message.</summary>
    public const int LegacyTargetMessageSize = 512 * 1024;

    // ---- client: per-peer message queue

    /// <summary>Wants a peer has not answered for this long are sent again (a lost message, a restarted peer).</summary>
    public static readonly TimeSpan WantRebroadcastInterval = TimeSpan.FromSeconds(30);

    /// <summary>Want messages to one peer are spaced by peers × 125 µs: more peers, more batching.</summary>
    public static readonly TimeSpan PerPeerSendDelay = TimeSpan.FromTicks(1250);

    /// <summary>Lower bound of that spacing: batches bursts of wants without adding much latency.</summary>
    public static readonly TimeSpan MinSendDelay = TimeSpan.FromMilliseconds(20);

    /// <summary>Upper bound of that spacing, reached at 16,000 peers.</summary>
    public static readonly TimeSpan MaxSendDelay = TimeSpan.FromSeconds(2);

    /// <summary>Wantlist entries per outgoing message: keeps our messages far under every peer's limit.</summary>
    public const int MaxOutgoingWantlistEntries = 8192;

    // ---- client: DONT_HAVE timeouts (peers that do not answer a want-block)

    /// <summary>Timeout before any latency is known.</summary>
    public static readonly TimeSpan DontHaveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a peer may take to look a want up and start answering.</summary>
    public static readonly TimeSpan MaxExpectedWantProcessTime = TimeSpan.FromSeconds(2);

    /// <summary>With a ping time: timeout = process time + 3 × ping (a round trip and slack).</summary>
    public const int PingLatencyMultiplier = 3;

    /// <summary>Weight of the newest message latency in its moving average: reacts within a few answers.</summary>
    public const double MessageLatencyAlpha = 0.5;

    /// <summary>Once answers were measured: timeout = 2 × average answer latency.</summary>
    public const int MessageLatencyMultiplier = 2;

    /// <summary>Never time out faster than this: protects against one lucky fast sample.</summary>
    public static readonly TimeSpan MinDontHaveTimeout = TimeSpan.FromMilliseconds(50);

    /// <summary>Never wait longer than the no-latency timeout plus the processing allowance (7 s).</summary>
    public static readonly TimeSpan MaxDontHaveTimeout = DontHaveTimeout + MaxExpectedWantProcessTime;

    /// <summary>Answers slower than this are outliers (a reconnect), not latency samples.</summary>
    public static readonly TimeSpan MaxValidLatency = TimeSpan.FromSeconds(30);

    /// <summary>Blocks a peer may send us that nobody asked it for before it is cut off as a liar
    /// (cancel races explain a few, not this many).</summary>
    public const int MaxUnsolicitedBlocksPerPeer = 16;

    // ---- client: Shoal strategy (issue 9)

    /// <summary>Want-blocks in flight to a peer before its rate is measured: enough to fill a LAN round trip
    /// with 256 KiB blocks without queueing the whole file at the first peer that answered.</summary>
    public const int ShoalInitialWindow = 4;

    /// <summary>Never fewer than two in flight, so one block's transfer overlaps the next want's round trip.</summary>
    public const int ShoalMinWindow = 2;

    /// <summary>Upper bound on want-blocks in flight to one peer.</summary>
    public const int ShoalMaxWindow = 64;

    /// <summary>Window = gain × measured rate × base round trip + 1 block; a gain of 2 lets the window grow
    /// until the peer's upload (not our window) limits the rate, as BBR's startup gain does.</summary>
    public const double ShoalWindowGain = 2.0;

    /// <summary>Shoal: a 1.2 peer that still talks to us within this time is busy, not silent, and its want-blocks
    /// do not time out (it sends DONT_HAVE itself). 8 messages of 1 MiB sharing a 100 Mbit/s uplink take 0.7 s.</summary>
    public static readonly TimeSpan ShoalSilenceTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Rate sample span for hosts on real sockets: long enough to average a burst of blocks handled together
    /// (a batch of queued inputs on a busy daemon spans a few ms), short enough to follow a transfer within a second.</summary>
    public static readonly TimeSpan RealNetworkRateSampleSpan = TimeSpan.FromMilliseconds(20);

    /// <summary>Shoal seeder with <see cref="BitswapOptions.ShoalIdleWaitsForMoves"/>: the move time assumed before any
    /// cancel was seen (a block's transfer plus a HAVE and a cancel on a busy LAN daemon).</summary>
    public static readonly TimeSpan ShoalInitialMoveTime = TimeSpan.FromMilliseconds(100);

    /// <summary>Shoal: want messages to one peer are spaced by at least this (boxo: 20 ms). A Shoal client asks for one
    /// block each time one arrives, so 20 ms of batching would stall every window for a block time or more.</summary>
    public static readonly TimeSpan ShoalMinSendDelay = TimeSpan.FromMilliseconds(1);

    /// <summary>Shoal client: a block with h known holders is asked for by at most this × h of the peers that lack it at
    /// once (a tree that triples its holders each round, not a star from its first holder). image-32, seed 42: 1 →
    /// 2.837 s, 2 → 2.806 s, 4 → 2.832 s; without the rule 2.876 s.</summary>
    public const int ShoalTreeFanout = 2;

    /// <summary>Shoal client: at a seeder, at most this many of the want-blocks it reports queued for us (pendingBytes)
    /// leave our window there open (see CountedWantBlocksShoal): the window's minimum, so a leecher keeps at most twice
    /// its usual share of seeder slots.</summary>
    public const int ShoalSeederQueuedAllowance = 2;

    /// <summary>Shoal client: a peer not in a block's tree turn asks for it anyway once its number of holders has not
    /// changed for this long (the peers ranked first may not be fetching it at all). image-32, seeds 42/1/2/3 (mean):
    /// 30 ms 2.842 s, 50 ms 2.842 s, 100 ms 2.823 s, 200 ms 2.829 s: giving way early brings the star back.</summary>
    public static readonly TimeSpan ShoalTreeWait = TimeSpan.FromMilliseconds(100);

    /// <summary>Shoal client: a subscription's cancel waits up to this for company. A leecher cancels its want-have at
    /// every peer still lacking each block it receives (a block every 2 ms at 1 Gbit/s), each alone in a message with
    /// ~90 bytes of Yamux, Noise and TCP/IP framing: image-32 sent 17,000 cancel-only messages per leecher. 20 ms:
    /// messages 1.37 M -> 0.95 M in all, last done (seeds 42/1/2/3) 2.804/2.821/2.840/2.828 -> 2.794/2.805/2.849/2.828 s;
    /// 5 ms 2.815 s and 50 ms 2.818 s on seed 42. The cost: a peer may push a HAVE we no longer need meanwhile.</summary>
    public static readonly TimeSpan ShoalCancelDelay = TimeSpan.FromMilliseconds(20);

    /// <summary>Shoal server: messages being written at once across all peers. boxo's 8 leave a seeder's uplink
    /// partly idle when 30 leechers' downlinks are shared with each other's uploads: each transfer gets only a
    /// share of its receiver's downlink, so the seeder needs about one transfer per leecher to fill its uplink.</summary>
    public const int ShoalMaxConcurrentEnvelopes = 64;

    /// <summary>Shoal server: messages in flight per peer. A connection sends one after another, so two keep it busy
    /// (image-32 sim, an early version of the strategy: 3.01 s with two, 3.05 s with one); more would commit to blocks
    /// before super-seeding can choose a fresher one. Large swarms in the simulator's model use
    /// <see cref="ShoalLargeSwarmEnvelopesPerPeer"/> since the strategy's later changes made one better there.</summary>
    public const int ShoalEnvelopesPerPeer = 2;

    /// <summary>Shoal server, in a swarm of at least <see cref="ShoalLargeSwarmPeers"/> peers and where an envelope is in
    /// flight until its last byte is out (the simulator's model): one message in flight per peer. The next block for a
    /// peer is then chosen when its connection frees, not a whole transfer earlier, so a block that just arrived (the
    /// rarest) goes next instead of waiting behind one already committed; the presence answers queued for the peer ride
    /// with that block. image-32 (8 seeds): 2.819 -> 2.797 s mean, messages 713 k -> 286 k (seed 42). In small swarms
    /// it raised duplicates (small-4-100m 0.38 -> 1.52 %), so two stay there.</summary>
    public const int ShoalLargeSwarmEnvelopesPerPeer = 1;

    /// <summary>Peers (connected) from which a Shoal node counts its swarm as large: one envelope per peer at its server
    /// (<see cref="ShoalLargeSwarmEnvelopesPerPeer"/>) and the end window at its client (<see cref="ShoalEndgameWants"/>).</summary>
    public const int ShoalLargeSwarmPeers = 8;

    /// <summary>Shoal client, in a large swarm: once this node wants at most this many blocks in all, a peer that is
    /// itself still fetching gets one want-block at a time. Its connection carries one block at a time, so a second
    /// want there waits a whole transfer (~65 ms on image-32) while another holder may be free; left in the pool, the
    /// want goes to the first holder whose window opens. image-32, 8 seeds, with one envelope per peer: 2.797 s mean
    /// without it, 2.776 s at 96, 2.779 s at 160; 64 and 256 slower on four seeds. Not at a peer that no longer fetches
    /// (a finished leecher's uplink is free, and a want at a time there costs a round trip per block: churn +40-70 ms
    /// when it applied to every peer).</summary>
    public const int ShoalEndgameWants = 96;

    /// <summary>Shoal client: a peer is far (outside this node's region) when its path round trip exceeds both this many
    /// times the nearest peer's and the nearest's plus <see cref="ShoalFarExtra"/>; a peer whose round trip is unknown is
    /// near.</summary>
    public const int ShoalFarFactor = 4;

    /// <summary>See <see cref="ShoalFarFactor"/>: LAN round trips vary by a few milliseconds, region paths by tens.</summary>
    public static readonly TimeSpan ShoalFarExtra = TimeSpan.FromMilliseconds(30);

    /// <summary>Shoal client: how long a node leaves a block only far peers hold to the near peer that ranks before it
    /// (and still wants it) before asking a far holder itself. On three-regions a block takes seconds to cross a shared
    /// path at the start, so shorter waits let every leecher of a region fetch it across: 0.5 s 6.56 s, 3 s 4.79 s, 6 s
    /// and longer 4.60 s (no wait ran out).</summary>
    public static readonly TimeSpan ShoalRegionWait = TimeSpan.FromSeconds(6);

    /// <summary>Shoal server: wants kept per peer. A Shoal client subscribes (want-have) to every block of an image at
    /// every session peer; 300 MiB in 256 KiB blocks is 1,200+ wants, above boxo's 1024.</summary>
    public const int ShoalMaxQueuedWantsPerPeer = 8192;

    /// <summary>Shoal server: a block already uploaded waits at most this long behind blocks not uploaded yet
    /// (a Shoal client moves such a want to the peer that got the block; others are served anyway).</summary>
    public static readonly TimeSpan ShoalMaxDeferral = TimeSpan.FromMilliseconds(500);

    /// <summary>Shoal seeder with <see cref="BitswapOptions.ShoalIdleWaitsForMoves"/> (real hosts): the move time it learns
    /// from cancels is believed up to this long, and a block already uploaded then waits that long behind fresh ones when
    /// it exceeds <see cref="ShoalMaxDeferral"/>. Traced on 100 Mbit/s kernel links: moves took 0.9-1.9 s (p10-p90), where
    /// 500 ms let the seeder send second copies its askers were about to cancel.</summary>
    public static readonly TimeSpan ShoalMaxLearnedMoveWait = TimeSpan.FromSeconds(2);

    /// <summary>Shoal server: a seeder with nothing fresh to send holds a block back from a second asker until its
    /// first copy has been written and this long after: time for the holder's HAVE to reach the asker and the asker's
    /// cancel to come back (serving it as soon as the seeder was idle sent copies that the askers, moving their wants
    /// to the first holder, got twice: small-4 1.9% duplicates; 20 ms covers a LAN's round trips and more).</summary>
    public static readonly TimeSpan ShoalHandOverGrace = TimeSpan.FromMilliseconds(20);

    /// <summary>Shoal server: when at least this many peers wait for a block an idle seeder has uploaded once, it serves
    /// them as soon as the first copy is written, without <see cref="ShoalHandOverGrace"/>: the block's single holder
    /// would serve them all at once (a star sharing its uplink), and the idle seeder's upload spreads it sooner
    /// (image-32, seeds 42/1/2/3: 2.99 s mean with the grace for every block, 2.87 s with this exception).</summary>
    public const int ShoalStarAskers = 4;

    /// <summary>Shoal seeder: after this long without a fresh block to start (every block asked for is out), the
    /// transfer is draining and <see cref="ShoalDrainEnvelopes"/> apply. In the busy phase a fresh request comes every
    /// ~2 ms (a 256 KiB block's time at 1 Gbit/s), so 10 ms of none means none are left.</summary>
    public static readonly TimeSpan ShoalDrainQuiet = TimeSpan.FromMilliseconds(10);

    /// <summary>Shoal seeder: envelopes in flight for handed-over second copies while draining (two otherwise): the last
    /// blocks reach their last leechers from the idle seeder as well as from their first holders, whose uplinks are
    /// shared by dozens of envelopes. image-32 (seeds 42/1/2/3): 16 -> 2.825/2.831/2.861/2.835 s against 2.835/2.843/
    /// 2.882/2.871 s with two; 64 -> 2.846/2.855 s (seeds 42/1; the seeder's copies compete with each other).</summary>
    public const int ShoalDrainEnvelopes = 16;

    /// <summary>Shoal server: queued answers looked at to find a presence answer or a fresh block (bounds the work
    /// per envelope when a peer queues many wants).</summary>
    public const int ShoalTaskScan = 64;

    /// <summary>Shoal server: blocks remembered as uploaded (then forgotten all at once): an image's worth.</summary>
    public const int ShoalUploadedMemory = 1 << 16;

    /// <summary>Blocks whose cancel we sent recently, per peer: a block already on the wire is not a lie.</summary>
    public const int RecentCancelsPerPeer = 512;

    // ---- server: decision engine

    /// <summary>Work (block bytes) popped per outgoing message; 16 KiB (was 512 KiB) lets many peers share
    /// the upload instead of one peer's huge message blocking the others.</summary>
    public const int TargetMessageSize = 16 * 1024;

    /// <summary>Bytes sent to a peer but not yet written out; bounds memory and keeps one peer from hogging.</summary>
    public const int MaxOutstandingBytesPerPeer = 1 << 20;

    /// <summary>Wants kept per peer: bounds a peer's memory on us; real clients want far fewer at once.</summary>
    public const int MaxQueuedWantsPerPeer = 1024;

    /// <summary>A want-have for a block this small is answered with the block: a HAVE plus a want-block
    /// round trip would cost more than the bytes.</summary>
    public const int WantHaveReplaceSize = 1024;

    /// <summary>Messages being written at once across all peers (boxo's 8 task workers).</summary>
    public const int MaxConcurrentEnvelopes = 8;

    /// <summary>A peer with queued work not served for this long goes first (boxo #1143 fairness).</summary>
    public static readonly TimeSpan PeerStarvationTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Pending tasks beyond this no longer raise a peer's rank, so a huge wantlist cannot starve others.</summary>
    public const int PeerPendingCap = 16;
}
