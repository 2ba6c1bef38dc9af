using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Shoal.Registry;

/// <summary>
/// Keeps private images private. A mirror can only hold private content from a registry it has credentials
/// for; for such a registry (unless marked <see cref="UpstreamRegistryOptions.Public"/>) each request is
/// first checked at the upstream with the client's own credentials (HTTP basic to the mirror, or anonymous):
/// a HEAD of the same manifest or blob in the same repository. Answers are cached briefly per client.
/// When the upstream cannot be asked, private content is not served.
/// </summary>
public sealed class AccessGate(RegistryMirrorOptions options, UpstreamClient upstream, TimeProvider time)
{
    /// <summary>Enough for the requests of a few pulls; cleared when full rather than managed as an LRU.</summary>
    private const int MaxCachedDecisions = 4096;

    private readonly ConcurrentDictionary<string, (bool Allowed, DateTimeOffset At)> _decisions = new(StringComparer.Ordinal);

    public enum Decision { Allowed, Denied, Unavailable }

    /// <summary>True when content from this upstream must be checked per client.</summary>
    public bool Guards(Uri? upstreamBase)
    {
        if (upstreamBase is null) return false;
        foreach (var (host, registry) in options.Registries)
        {
            var url = registry.Url ?? upstream.Resolve(host);
            if (url is null || !url.Authority.Equals(upstreamBase.Authority, StringComparison.OrdinalIgnoreCase)) continue;
            return registry.Username is not null && !registry.Public;
        }
        return false;
    }

    public async Task<Decision> CheckAsync(HttpContext context, Uri upstreamBase, string name, string kind, string reference, CancellationToken ct)
    {
        var client = ClientCredentials(context.Request.Headers.Authorization.ToString());
        var key = upstreamBase.Authority + "|" + name + "|" + kind + "|" + reference + "|" + client.Username + ":" + client.Password;
        if (_decisions.TryGetValue(key, out var cached) && time.GetUtcNow() - cached.At < options.TagTtl)
            return cached.Allowed ? Decision.Allowed : Decision.Denied;
        bool allowed;
        try
        {
            allowed = await upstream.CanPullAsync(upstreamBase, name, kind, reference, client, ct).ConfigureAwait(false);
        }
        catch (UpstreamUnavailableException)
        {
            return Decision.Unavailable;
        }
        if (_decisions.Count >= MaxCachedDecisions) _decisions.Clear();
        _decisions[key] = (allowed, time.GetUtcNow());
        return allowed ? Decision.Allowed : Decision.Denied;
    }

    /// <summary>The client's basic credentials, or anonymous.</summary>
    private static UpstreamRegistryOptions ClientCredentials(string authorization)
    {
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
                var colon = pair.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0) return new UpstreamRegistryOptions { Username = pair[..colon], Password = pair[(colon + 1)..] };
            }
            catch (FormatException) { }
        }
        return new UpstreamRegistryOptions();
    }

    /// <summary>Answers a denied request so that docker, containerd and skopeo retry with credentials.</summary>
    public static Task DenyAsync(HttpContext context, CancellationToken ct)
    {
        context.Response.Headers.WWWAuthenticate = new AuthenticationHeaderValue("Basic", "realm=\"shoal-registry-mirror\"").ToString();
        return OciError.WriteAsync(context, OciErrorCode.Unauthorized, "the upstream registry does not grant this client access", ct);
    }

    internal static bool IsDenied(HttpStatusCode status) => status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;
}
