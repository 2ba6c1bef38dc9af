namespace Shoal.Node;

/// <summary>Resource limits, so one peer (or many) cannot exhaust the node.</summary>
public sealed class LimitsConfig
{
    /// <summary>Open libp2p connections, inbound and outbound together (Kubo's resource manager is in this range).</summary>
    public int MaxConnections { get; set; } = 512;
    /// <summary>Concurrent streams per connection (go-yamux blocks at 256 unacknowledged; match it).</summary>
    public int MaxStreamsPerConnection { get; set; } = 256;
    /// <summary>Entries a peer's wantlist may hold before we ignore new wants (boxo's MaxWantlistSize-ish bound).</summary>
    public int MaxWantlistSize { get; set; } = 1024;
    /// <summary>Bytes queued to one peer before the server stops picking more blocks for it (boxo: 1 MiB per message).</summary>
    public long MaxOutstandingBytesPerPeer { get; set; } = 1024 * 1024;
    /// <summary>Largest block accepted from the network or `block put` (the Bitswap spec's 2 MiB ceiling).</summary>
    public int MaxBlockSize { get; set; } = 2 * 1024 * 1024;
}
