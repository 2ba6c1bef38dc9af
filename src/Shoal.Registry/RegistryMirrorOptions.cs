namespace Shoal.Registry;

/// <summary>How the mirror listens, where it stores, and which upstreams it pulls from.</summary>
public sealed class RegistryMirrorOptions
{
    /// <summary>Only loopback by default: a mirror open to the network would serve cached private layers to anyone.</summary>
    public const string DefaultListen = "127.0.0.1:5050";

    /// <summary>How long a tag's digest is trusted before the upstream is asked again: tags move, but
    /// a pull asks for the same tag a few times within seconds (HEAD, GET, per platform).</summary>
    public static readonly TimeSpan DefaultTagTtl = TimeSpan.FromSeconds(30);

    /// <summary>containerd tries its next host on error; an unreachable upstream must fail fast, not hang.</summary>
    public static readonly TimeSpan DefaultUpstreamConnectTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Time for the upstream to start answering a request (headers), not for the body.</summary>
    public static readonly TimeSpan DefaultUpstreamResponseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>host:port (or [v6]:port). Port 0 picks a free port; read the bound address from the host.</summary>
    public string Listen { get; set; } = DefaultListen;

    /// <summary>The upstream for requests that carry no <c>?ns=</c>, e.g. <c>https://registry-1.docker.io</c>.</summary>
    public Uri? DefaultUpstream { get; set; }

    /// <summary>Where manifests, cached blobs and partial downloads live.</summary>
    public string DataDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "shoal-registry");

    public TimeSpan TagTtl { get; set; } = DefaultTagTtl;
    public TimeSpan UpstreamConnectTimeout { get; set; } = DefaultUpstreamConnectTimeout;
    public TimeSpan UpstreamResponseTimeout { get; set; } = DefaultUpstreamResponseTimeout;

    /// <summary>Per registry host (as in <c>?ns=</c>, e.g. <c>docker.io</c>, <c>ghcr.io</c>, <c>127.0.0.1:5000</c>):
    /// its URL and credentials. A host with no entry is reached over https, anonymously.</summary>
    public Dictionary<string, UpstreamRegistryOptions> Registries { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One upstream registry: where it is and who we are to it.</summary>
public sealed class UpstreamRegistryOptions
{
    /// <summary>Base URL; <c>http://</c> for a plain-HTTP registry. Null means <c>https://host</c>.</summary>
    public Uri? Url { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>With credentials configured the mirror can cache private images, so by default each client's
    /// own access is checked at this registry before cached content is served. True skips that check:
    /// everything from this registry may be served to anyone who can reach the mirror.</summary>
    public bool Public { get; set; }
}
