namespace Shoal.Node;

/// <summary>
/// The OCI registry mirror section of the config (key <c>Registry</c>). Placeholder created by the node
/// engineer; the registry engineer owns this file and adds the keys the mirror needs.
/// </summary>
public sealed class RegistryMirrorConfig
{
    /// <summary>host:port the OCI distribution API listens on; empty = mirror off.</summary>
    public string Listen { get; set; } = "";
    /// <summary>Upstream registry base URL used for requests without ?ns= (e.g. https://registry-1.docker.io).</summary>
    public string Upstream { get; set; } = "";
}
