namespace Shoal.Node;

/// <summary>Where the node's libp2p private key lives; the peer id is recorded for people to read.</summary>
public sealed class IdentityConfig
{
    /// <summary>Informational copy of the peer id derived from the key file (the key file wins).</summary>
    public string? PeerId { get; set; }
    /// <summary>Path of the libp2p private key protobuf, relative to the repository.</summary>
    public string KeyFile { get; set; } = "identity.key";
}
