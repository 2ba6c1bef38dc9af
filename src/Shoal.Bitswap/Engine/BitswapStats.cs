namespace Shoal.Bitswap;

/// <summary>Counters like Kubo's <c>ipfs stats bitswap</c>, plus the message-level ones the Lab reports.
/// Mutated only by the core (single-threaded); read a <see cref="Snapshot"/> from other threads.</summary>
public sealed class BitswapStats
{
    public long BlocksReceived;
    public long DataReceived;
    public long DupBlksReceived;
    public long DupDataReceived;
    public long UnwantedBlocksReceived;
    public long BlocksSent;
    public long DataSent;
    public long MessagesReceived;
    public long MessagesSent;
    public long WantBlocksSent;
    public long WantHavesSent;
    public long CancelsSent;
    public long HavesReceived;
    public long DontHavesReceived;
    public long SimulatedDontHaves;
    public long HavesSent;
    public long DontHavesSent;
    public long ProviderSearches;
    public long Rebroadcasts;

    /// <summary>CIDs wanted by live sessions right now.</summary>
    public int Wantlist;

    /// <summary>Peers Bitswap can talk to right now.</summary>
    public int Peers;

    public BitswapStats Snapshot() => (BitswapStats)MemberwiseClone();

    public override string ToString()
        => $"blocks recv {BlocksReceived} ({DataReceived} B), dup {DupBlksReceived} ({DupDataReceived} B), sent {BlocksSent} ({DataSent} B), " +
           $"msgs recv {MessagesReceived} sent {MessagesSent}, wantlist {Wantlist}, peers {Peers}";
}
