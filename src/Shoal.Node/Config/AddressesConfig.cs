namespace Shoal.Node;

/// <summary>Where the node listens: libp2p swarm multiaddrs, the HTTP API and the gateway.</summary>
public sealed class AddressesConfig
{
    /// <summary>Kubo's defaults: the swarm listens on all interfaces, as a peer must be reachable.</summary>
    public List<string> Swarm { get; set; } = ["/ip4/0.0.0.0/tcp/4001"];
    /// <summary>Extra addresses announced to peers (e.g. a public IP behind NAT); empty = the listen addresses.</summary>
    public List<string> Announce { get; set; } = [];
    /// <summary>The HTTP API; loopback only unless set otherwise, since it controls the node.</summary>
    public string Api { get; set; } = "127.0.0.1:5001";
    /// <summary>The trustless gateway; empty string turns it off (the API port serves /ipfs/ too).</summary>
    public string Gateway { get; set; } = "127.0.0.1:8080";
}
