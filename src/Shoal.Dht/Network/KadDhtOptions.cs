using Shoal.Net;

namespace Shoal.Dht;

/// <summary>Configuration of a <see cref="KadDht"/>.</summary>
public sealed record KadDhtOptions
{
    /// <summary>Protocol id; a private cluster picks its own so it never mixes with the public DHT.</summary>
    public string ProtocolId { get; init; } = DhtConstants.DefaultProtocolId;

    public DhtMode Mode { get; init; } = DhtMode.Server;

    /// <summary>Peers dialled by <see cref="KadDht.BootstrapAsync"/> (with /p2p/ ids or not).</summary>
    public IReadOnlyList<Multiaddr> BootstrapPeers { get; init; } = [];

    /// <summary>Hand out and accept private and loopback addresses (datacenters, test clusters); off on the public DHT.</summary>
    public bool AllowPrivateAddresses { get; init; }

    /// <summary>Directory holding the provider store file; null keeps records in memory only.</summary>
    public string? DataDirectory { get; init; }

    public ProviderStoreLimits ProviderLimits { get; init; } = new();

    public LookupOptions Lookup { get; init; } = new();

    /// <summary>Deadline of one request, and how long an inbound stream may sit idle between requests.</summary>
    public TimeSpan RequestTimeout { get; init; } = DhtConstants.RequestTimeout;

    /// <summary>How often the maintenance loop expires records, refreshes buckets, reprovides and persists; infinite = only via <see cref="KadDht.RunMaintenanceAsync"/>.</summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan BucketRefreshInterval { get; init; } = DhtConstants.BucketRefreshInterval;

    public TimeSpan ReprovideInterval { get; init; } = DhtConstants.ReprovideInterval;

    /// <summary>Concurrent inbound DHT streams one peer may hold; beyond it new ones are reset (bounds per-peer work).</summary>
    public int MaxInboundStreamsPerPeer { get; init; } = 16;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
