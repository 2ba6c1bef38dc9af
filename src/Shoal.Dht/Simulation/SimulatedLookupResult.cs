using Shoal.Net;

namespace Shoal.Dht;

/// <summary>What a simulated lookup found and what it cost in virtual time and requests.</summary>
public sealed record SimulatedLookupResult(
    LookupEndReason EndReason,
    IReadOnlyList<PeerInfo> Providers,
    IReadOnlyList<PeerInfo> ClosestPeers,
    TimeSpan Elapsed,
    int Requests,
    int Failures,
    int FirstProviderHops)
{
    /// <summary>The origin had enough provider records itself; no request was sent.</summary>
    public bool FoundLocally { get; init; }

    /// <summary>For a provide: how many of the closest peers stored the record.</summary>
    public int RecordsStored { get; init; }
}
