using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>Tunables of one Bitswap node. Defaults are boxo's (<see cref="BitswapDefaults"/> says why);
/// <see cref="For"/> gives the preset of each strategy.</summary>
public sealed record BitswapOptions
{
    public BitswapStrategy Strategy { get; init; } = BitswapStrategy.Bitswap12;

    /// <summary>Seed of the core's random choices (tie breaks, want order), so a run can be replayed.</summary>
    public int RandomSeed { get; init; } = 1;

    // client
    public TimeSpan ProviderSearchDelay { get; init; } = BitswapDefaults.ProviderSearchDelay;
    public TimeSpan PeriodicSearchDelay { get; init; } = BitswapDefaults.PeriodicSearchDelay;
    public int MaxProvidersPerSearch { get; init; } = BitswapDefaults.MaxProvidersPerSearch;
    public int BroadcastLiveWantsLimit { get; init; } = BitswapDefaults.BroadcastLiveWantsLimit;
    public TimeSpan BaseTickDelay { get; init; } = BitswapDefaults.BaseTickDelay;
    public int PeerDontHaveLimit { get; init; } = BitswapDefaults.PeerDontHaveLimit;
    public TimeSpan WantRebroadcastInterval { get; init; } = BitswapDefaults.WantRebroadcastInterval;
    public TimeSpan PerPeerSendDelay { get; init; } = BitswapDefaults.PerPeerSendDelay;
    public TimeSpan MinSendDelay { get; init; } = BitswapDefaults.MinSendDelay;
    public TimeSpan MaxSendDelay { get; init; } = BitswapDefaults.MaxSendDelay;
    public int MaxOutgoingWantlistEntries { get; init; } = BitswapDefaults.MaxOutgoingWantlistEntries;
    public TimeSpan DontHaveTimeout { get; init; } = BitswapDefaults.DontHaveTimeout;
    public TimeSpan MaxExpectedWantProcessTime { get; init; } = BitswapDefaults.MaxExpectedWantProcessTime;
    public int PingLatencyMultiplier { get; init; } = BitswapDefaults.PingLatencyMultiplier;
    public double MessageLatencyAlpha { get; init; } = BitswapDefaults.MessageLatencyAlpha;
    public int MessageLatencyMultiplier { get; init; } = BitswapDefaults.MessageLatencyMultiplier;
    public TimeSpan MinDontHaveTimeout { get; init; } = BitswapDefaults.MinDontHaveTimeout;
    public TimeSpan MaxDontHaveTimeout { get; init; } = BitswapDefaults.MaxDontHaveTimeout;
    public TimeSpan MaxValidLatency { get; init; } = BitswapDefaults.MaxValidLatency;
    public int MaxUnsolicitedBlocksPerPeer { get; init; } = BitswapDefaults.MaxUnsolicitedBlocksPerPeer;

    /// <summary>Blocks a DAG fetch requests at a time (0 = all links as soon as they are known).</summary>
    public int DagWalkConcurrency { get; init; } = BitswapDefaults.DagWalkConcurrency;

    public int ShoalInitialWindow { get; init; } = BitswapDefaults.ShoalInitialWindow;
    public int ShoalMinWindow { get; init; } = BitswapDefaults.ShoalMinWindow;
    public int ShoalMaxWindow { get; init; } = BitswapDefaults.ShoalMaxWindow;
    public double ShoalWindowGain { get; init; } = BitswapDefaults.ShoalWindowGain;
    public TimeSpan ShoalSilenceTimeout { get; init; } = BitswapDefaults.ShoalSilenceTimeout;

    /// <summary>Shoal client: how long the cancel of a want-have subscription may wait for other wants or cancels to the
    /// same peer, so one message carries several (zero: each goes at once). Cancels of want-blocks never wait.</summary>
    public TimeSpan ShoalCancelDelay { get; init; } = BitswapDefaults.ShoalCancelDelay;

    /// <summary>Shortest span a peer's receive rate is measured over (zero: the gap between two blocks, as the
    /// simulator's smooth arrivals allow). Real hosts set <see cref="BitswapDefaults.RealNetworkRateSampleSpan"/>.</summary>
    public TimeSpan RateSampleSpan { get; init; } = TimeSpan.Zero;

    /// <summary>Shoal seeder: when fewer than two envelopes are in flight ("idle"), serve a block it already uploaded
    /// only once that upload is older than the time clients take to move such wants to the holder (learned from their
    /// cancels), instead of at once; while busy, hold such a block behind fresh ones for that learned time too when it
    /// exceeds <see cref="BitswapDefaults.ShoalMaxDeferral"/> (slow links). False in the simulator, where an envelope is
    /// in flight until its last byte arrives; real hosts set it, since there an envelope counts as sent once the kernel
    /// buffers it.</summary>
    public bool ShoalIdleWaitsForMoves { get; init; }

    /// <summary>Host only: the node's upload rate for block messages (bytes per second, 0 = the network's own speed);
    /// see <see cref="LinkPacer"/>. The Lab's local driver sets each daemon's from its group's bandwidth.</summary>
    public double UploadBytesPerSecond { get; init; }

    /// <summary>Host only: the node's download rate for block messages (bytes per second, 0 = the network's own speed):
    /// received block messages pass a <see cref="LinkPacer"/> of this rate before the core sees them.</summary>
    public double DownloadBytesPerSecond { get; init; }
    public int ShoalMaxConcurrentEnvelopes { get; init; } = BitswapDefaults.ShoalMaxConcurrentEnvelopes;
    public int ShoalEnvelopesPerPeer { get; init; } = BitswapDefaults.ShoalEnvelopesPerPeer;

    // server
    public int TargetMessageSize { get; init; } = BitswapDefaults.TargetMessageSize;
    public int MaxOutstandingBytesPerPeer { get; init; } = BitswapDefaults.MaxOutstandingBytesPerPeer;
    public int MaxQueuedWantsPerPeer { get; init; } = BitswapDefaults.MaxQueuedWantsPerPeer;
    public int WantHaveReplaceSize { get; init; } = BitswapDefaults.WantHaveReplaceSize;
    public int MaxConcurrentEnvelopes { get; init; } = BitswapDefaults.MaxConcurrentEnvelopes;
    public TimeSpan PeerStarvationTimeout { get; init; } = BitswapDefaults.PeerStarvationTimeout;
    public int PeerPendingCap { get; init; } = BitswapDefaults.PeerPendingCap;

    /// <summary>A node's own random seed, from its peer id: every daemon must draw differently. With one seed for all,
    /// every Shoal leecher drew the same random want order and asked the seeder for the same block at the same moment
    /// (small-4 on real daemons: 2.3 seeder copies, 6% duplicates).</summary>
    public static int RandomSeedFor(PeerId self)
    {
        ArgumentNullException.ThrowIfNull(self);
        return Shoal.Core.StableHash.Of(self.Bytes.Span) & int.MaxValue;
    }

    /// <summary>The preset for a strategy (same seed).</summary>
    public static BitswapOptions For(BitswapStrategy strategy, int randomSeed = 1) => new()
    {
        Strategy = strategy,
        RandomSeed = randomSeed,
        // Shoal sizes its wants in flight per peer itself; boxo's clients walk a DAG 32 blocks at a time.
        DagWalkConcurrency = strategy == BitswapStrategy.Shoal ? 0 : BitswapDefaults.DagWalkConcurrency,
        // Bitswap 1.1's decision engine packed up to 512 KiB of blocks per message (PR 189 cut it to 16 KiB).
        TargetMessageSize = strategy == BitswapStrategy.Bitswap11 ? BitswapDefaults.LegacyTargetMessageSize : BitswapDefaults.TargetMessageSize,
        // Shoal asks for one block each time one arrives: boxo's 20 ms want batching would stall every window.
        MinSendDelay = strategy == BitswapStrategy.Shoal ? BitswapDefaults.ShoalMinSendDelay : BitswapDefaults.MinSendDelay,
    };
}
