using System.Net;
using System.Net.Http.Headers;

namespace Shoal.Registry;

/// <summary>
/// Talks to upstream registries over the distribution API: resolves a containerd <c>ns</c> to a base URL,
/// fetches manifests (verifying their digest) and opens blob downloads, with auth handled by
/// <see cref="RegistryAuthHandler"/>.
/// </summary>
public sealed class UpstreamClient : IDisposable
{
    /// <summary>Manifests are small JSON; distribution itself refuses those over 4 MiB.</summary>
    public const int MaxManifestBytes = 4 << 20;

    /// <summary>containerd says docker.io; the registry API lives at registry-1.docker.io.</summary>
    private const string DockerHubHost = "docker.io";
    private static readonly Uri DockerHubApi = new("https://registry-1.docker.io");

    private readonly RegistryMirrorOptions _options;
    private readonly HttpClient _http;

    public UpstreamClient(RegistryMirrorOptions options, HttpMessageHandler? transport = null, TimeProvider? time = null)
    {
        _options = options;
        transport ??= new SocketsHttpHandler
        {
            ConnectTimeout = options.UpstreamConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        Auth = new RegistryAuthHandler(transport, CredentialsFor, time);
        _http = new HttpClient(Auth) { Timeout = options.UpstreamResponseTimeout };
    }

    public RegistryAuthHandler Auth { get; }

    /// <summary>The upstream base URL for a request's <c>ns</c> (or the default upstream), or null when none.</summary>
    public Uri? Resolve(string? ns)
    {
        if (string.IsNullOrEmpty(ns)) return _options.DefaultUpstream;
        if (_options.Registries.TryGetValue(ns, out var configured) && configured.Url is not null) return configured.Url;
        if (_options.DefaultUpstream is { } d && string.Equals(d.Authority, ns, StringComparison.OrdinalIgnoreCase)) return d;
        if (ns.Equals(DockerHubHost, StringComparison.OrdinalIgnoreCase)) return DockerHubApi;
        return Uri.TryCreate("https://" + ns, UriKind.Absolute, out var u) ? u : null;
    }

    private UpstreamRegistryOptions? CredentialsFor(Uri uri)
    {
        foreach (var (host, registry) in _options.Registries)
        {
            var url = registry.Url ?? (host.Equals(DockerHubHost, StringComparison.OrdinalIgnoreCase) ? DockerHubApi : null);
            if (url is not null ? url.Authority.Equals(uri.Authority, StringComparison.OrdinalIgnoreCase)
                                : host.Equals(uri.Authority, StringComparison.OrdinalIgnoreCase))
                return registry;
        }
        return null;
    }

    private static Uri Endpoint(Uri baseUri, string name, string kind, string reference) =>
        new(baseUri, "/v2/" + name + "/" + kind + "/" + reference);

    /// <summary>HEAD or GET a manifest. Null when the upstream says it does not exist; throws
    /// <see cref="UpstreamUnavailableException"/> when it cannot answer, <see cref="UpstreamRefusedException"/> on 401/403.</summary>
    public async Task<UpstreamManifest?> GetManifestAsync(Uri baseUri, string name, string reference, bool headOnly, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(headOnly ? HttpMethod.Head : HttpMethod.Get, Endpoint(baseUri, name, "manifests", reference));
        foreach (var type in OciMediaTypes.AcceptedManifests) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        ThrowIfFailed(response);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        OciDigest.TryParse(HeaderValue(response, "Docker-Content-Digest"), out var announced);
        if (headOnly)
        {
            if (announced is null) return null; // caller falls back to GET and computes the digest
            return new UpstreamManifest(announced, mediaType ?? OciMediaTypes.OciManifest, null, response.Content.Headers.ContentLength ?? -1);
        }
        if (response.Content.Headers.ContentLength > MaxManifestBytes)
            throw new InvalidDataException($"manifest {name}:{reference} is over {MaxManifestBytes} bytes");
        byte[] body;
        try
        {
            body = await ReadBoundedAsync(response.Content, MaxManifestBytes, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e) { throw new UpstreamUnavailableException($"reading manifest from {baseUri}: {e.Message}", e); }
        OciDigest digest;
        if (OciDigest.TryParse(reference, out var asked))
        {
            if (!asked!.Verifies(body)) throw new InvalidDataException($"upstream manifest does not match {asked}");
            digest = asked;
        }
        else
        {
            digest = announced?.Algorithm == OciDigest.Sha512 && announced.Verifies(body) ? announced : OciDigest.Compute(body);
            if (announced is not null && !announced.Equals(digest))
                throw new InvalidDataException($"upstream manifest for {name}:{reference} does not match its Docker-Content-Digest {announced}");
        }
        if (string.IsNullOrEmpty(mediaType) || mediaType is "application/json" or "text/plain") mediaType = OciMediaTypes.Sniff(body);
        return new UpstreamManifest(digest, mediaType, body, body.Length);
    }

    /// <summary>Opens a blob download from <paramref name="offset"/>. The caller owns the response.
    /// Null when the upstream does not have it.</summary>
    public async Task<HttpResponseMessage?> OpenBlobAsync(Uri baseUri, string name, OciDigest digest, long offset, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Endpoint(baseUri, name, "blobs", digest.ToString()));
        if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);
        var response = await SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) { response.Dispose(); return null; }
        try { ThrowIfFailed(response); }
        catch { response.Dispose(); throw; }
        return response;
    }

    /// <summary>The blob's length at the upstream, or null when it does not have it.</summary>
    public async Task<long?> HeadBlobAsync(Uri baseUri, string name, OciDigest digest, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, Endpoint(baseUri, name, "blobs", digest.ToString()));
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        ThrowIfFailed(response);
        return response.Content.Headers.ContentLength ?? -1;
    }

    /// <summary>Whether <paramref name="client"/> (empty = anonymous) may pull this manifest or blob at the upstream:
    /// a HEAD with the client's identity. A 404 counts as allowed (the caller answers it as not found).</summary>
    public async Task<bool> CanPullAsync(Uri baseUri, string name, string kind, string reference, UpstreamRegistryOptions client, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, Endpoint(baseUri, name, kind, reference));
        if (kind == "manifests")
            foreach (var type in OciMediaTypes.AcceptedManifests) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        request.Options.Set(RegistryAuthHandler.ClientCredentials, client);
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        if (AccessGate.IsDenied(response.StatusCode)) return false;
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound) return true;
        throw new UpstreamUnavailableException($"upstream answered {(int)response.StatusCode} to an access check for {name}");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new UpstreamUnavailableException($"{request.Method} {request.RequestUri}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new UpstreamUnavailableException($"{request.Method} {request.RequestUri}: timed out", e);
        }
    }

    private static void ThrowIfFailed(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return;
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new UpstreamRefusedException(response.StatusCode, $"upstream refused {response.RequestMessage?.RequestUri}: {(int)response.StatusCode}");
        throw new UpstreamUnavailableException($"upstream answered {(int)response.StatusCode} for {response.RequestMessage?.RequestUri}");
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() :
        response.Content.Headers.TryGetValues(name, out var cv) ? cv.FirstOrDefault() : null;

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int max, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > max) throw new InvalidDataException($"upstream manifest is over {max} bytes");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    public void Dispose() => _http.Dispose();
}
