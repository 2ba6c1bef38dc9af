using Shoal.Net;

namespace Shoal.Dht;

/// <summary>A peer in a k-bucket: its id, position in the keyspace, and when we last heard from it.</summary>
public sealed class RoutingEntry
{
    internal RoutingEntry(PeerId peer, KadKey key, DateTimeOffset now)
    {
        Peer = peer;
        Key = key;
        AddedAt = now;
        LastSeen = now;
    }

    public PeerId Peer { get; }

    public KadKey Key { get; }

    public DateTimeOffset AddedAt { get; }

    /// <summary>Last time the peer answered us or talked to us.</summary>
    public DateTimeOffset LastSeen { get; internal set; }
}
