namespace Shoal.Node;

/// <summary>
/// The OCI registry mirror section of the config (key <c>Registry</c>). Off unless <see cref="Listen"/> is set.
/// </summary>
public sealed class RegistryMirrorConfig
{
    /// <summary>host:port the OCI distribution API listens on; empty = mirror off. Keep it on loopback unless every
    /// client that can reach it may read every image the node has cached.</summary>
    public string Listen { get; set; } = "";

    /// <summary>Upstream registry base URL used for requests without ?ns= (e.g. https://registry-1.docker.io).</summary>
    public string Upstream { get; set; } = "";

    /// <summary>Seconds a tag's digest is trusted before the upstream is asked again.</summary>
    public int TagTtlSeconds { get; set; } = 30;

    /// <summary>Milliseconds to look for peers holding a blob before going to the upstream.</summary>
    public int ProviderSearchTimeoutMs { get; set; } = 2000;

    /// <summary>Per registry host as containerd sends it in ?ns= (docker.io, ghcr.io, 10.0.0.5:5000): URL and credentials.</summary>
    public Dictionary<string, RegistryUpstreamConfig> Registries { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One upstream registry in <see cref="RegistryMirrorConfig.Registries"/>.</summary>
public sealed class RegistryUpstreamConfig
{
    /// <summary>Base URL; http:// for a plain-HTTP registry. Empty = https://host.</summary>
    public string Url { get; set; } = "";
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
    /// <summary>Serve this registry's cached content to anyone, without checking each client's access upstream.</summary>
    public bool Public { get; set; }
}
