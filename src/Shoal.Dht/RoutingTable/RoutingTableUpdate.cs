namespace Shoal.Dht;

/// <summary>What <see cref="RoutingTable.TryAdd"/> did.</summary>
public enum RoutingTableUpdate
{
    /// <summary>The peer was new and its bucket had room.</summary>
    Added,

    /// <summary>The peer was already present; its last-seen time moved forward.</summary>
    Refreshed,

    /// <summary>The bucket is full: ping the returned eviction candidate, and on failure remove it and add again.</summary>
    BucketFull,

    /// <summary>The peer is ourselves, and is never stored.</summary>
    Self,
}
