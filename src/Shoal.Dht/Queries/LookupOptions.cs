namespace Shoal.Dht;

/// <summary>Tunables of one iterative lookup.</summary>
public sealed record LookupOptions
{
    /// <summary>Requests in flight at once.</summary>
    public int Alpha { get; init; } = DhtConstants.Alpha;

    /// <summary>How many closest peers must answer for the lookup to converge.</summary>
    public int ResultCount { get; init; } = DhtConstants.BucketSize;

    /// <summary>GET_PROVIDERS stops after this many distinct providers.</summary>
    public int MaxProviders { get; init; } = DhtConstants.BucketSize;

    /// <summary>A request unanswered for this long counts as failed.</summary>
    public TimeSpan RequestTimeout { get; init; } = DhtConstants.RequestTimeout;

    /// <summary>Most peers tracked by one lookup; the farthest unqueried ones are forgotten beyond it (bounds memory against peers returning junk).</summary>
    public int MaxTrackedPeers { get; init; } = 1000;
}
