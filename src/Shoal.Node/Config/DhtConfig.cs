namespace Shoal.Node;

/// <summary>The Kademlia DHT the node uses to find and announce providers.</summary>
public sealed class DhtConfig
{
    /// <summary>auto | server | client | off. auto = server (answers queries) as a LAN node usually is reachable.</summary>
    public string Mode { get; set; } = "auto";
    /// <summary>The Kademlia protocol id; Kubo's LAN DHT is /ipfs/lan/kad/1.0.0.</summary>
    public string ProtocolId { get; set; } = "/ipfs/kad/1.0.0";
    /// <summary>Accept and hand out private (LAN, loopback) addresses: Shoal nodes usually run inside one cluster.</summary>
    public bool AllowPrivateAddresses { get; set; } = true;
    /// <summary>Seconds a provider search may run before a fetch gives up on routing.</summary>
    public int FindProvidersTimeoutSeconds { get; set; } = 10;
}
