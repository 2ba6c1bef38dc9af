namespace Shoal.Bitswap;

/// <summary>Per-session counters.</summary>
public sealed class SessionStats
{
    public long BlocksReceived;
    public long DataReceived;
    public long BlocksFoundLocally;
    public long WantBlocksSent;
    public long WantHavesSent;
    public long Broadcasts;
    public long ProviderSearches;
    public int PeersInSession;
    public TimeSpan StartedAt;
    public TimeSpan? CompletedAt;

    public SessionStats Snapshot() => (SessionStats)MemberwiseClone();
}
