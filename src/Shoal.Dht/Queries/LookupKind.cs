namespace Shoal.Dht;

/// <summary>What an iterative lookup asks each peer.</summary>
public enum LookupKind
{
    /// <summary>FIND_NODE: converge on the k closest peers to the key.</summary>
    FindNode,

    /// <summary>GET_PROVIDERS: collect provider records on the way, stopping early once enough are found.</summary>
    GetProviders,
}
