using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Shoal.Registry;

/// <summary>
/// Answers registry auth challenges for every request that passes through it: on a 401 with
/// <c>Bearer realm,service,scope</c> it gets a token from the realm (anonymously, or with the configured
/// credentials as HTTP basic, like docker login does) and retries once; on a <c>Basic</c> challenge it
/// retries with the configured credentials. Tokens are cached per registry and repository until expiry.
/// </summary>
public sealed class RegistryAuthHandler : DelegatingHandler
{
    /// <summary>The token spec says a token without expires_in lives 60 s.</summary>
    private const int DefaultTokenLifetimeSeconds = 60;

    /// <summary>Renew a bit early so a token does not expire between our check and the registry's.</summary>
    private static readonly TimeSpan TokenRenewMargin = TimeSpan.FromSeconds(10);

    /// <summary>A token endpoint answer is small JSON; cap it so a hostile realm cannot fill memory.</summary>
    private const int MaxTokenResponseBytes = 1 << 20;

    private readonly Func<Uri, UpstreamRegistryOptions?> _credentialsFor;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedAuthorization> _cache = new(StringComparer.Ordinal);

    public RegistryAuthHandler(HttpMessageHandler inner, Func<Uri, UpstreamRegistryOptions?> credentialsFor, TimeProvider? time = null)
        : base(inner)
    {
        _credentialsFor = credentialsFor;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How many tokens were fetched from token endpoints (for tests and metrics).</summary>
    public int TokensFetched => _tokensFetched;
    private int _tokensFetched;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("request without URI");
        // A request may carry the credentials of the mirror's client (access checks); tokens are then cached per identity.
        var clientCredentials = request.Options.TryGetValue(ClientCredentials, out var c) ? c : null;
        var credentials = clientCredentials ?? _credentialsFor(uri);
        var key = CacheKey(uri, request.Method) + (clientCredentials is null ? "" : "@client:" + Identity(clientCredentials));
        if (request.Headers.Authorization is null && _cache.TryGetValue(key, out var cached) && cached.ExpiresAt > _time.GetUtcNow())
            request.Headers.Authorization = cached.Header;

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized) return response;

        var challenge = AuthChallenge.Parse(response.Headers.WwwAuthenticate.ToString());
        if (challenge is null) return response;
        AuthenticationHeaderValue? header = null;
        var expires = _time.GetUtcNow().AddSeconds(DefaultTokenLifetimeSeconds);
        if (challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) && challenge["realm"] is { } realm)
        {
            var token = await FetchTokenAsync(realm, challenge["service"], challenge["scope"], credentials, cancellationToken).ConfigureAwait(false);
            if (token is null) return response;
            header = new AuthenticationHeaderValue("Bearer", token.Value.Token);
            expires = _time.GetUtcNow().AddSeconds(token.Value.LifetimeSeconds) - TokenRenewMargin;
        }
        else if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && credentials?.Username is not null)
        {
            header = BasicHeader(credentials);
            expires = DateTimeOffset.MaxValue;
        }
        if (header is null) return response;

        response.Dispose();
        _cache[key] = new CachedAuthorization(header, expires);
        var retry = await CloneAsync(request, cancellationToken).ConfigureAwait(false);
        retry.Headers.Authorization = header;
        return await base.SendAsync(retry, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(string Token, int LifetimeSeconds)?> FetchTokenAsync(string realm, string? service, string? scope,
        UpstreamRegistryOptions? credentials, CancellationToken ct)
    {
        var query = new StringBuilder();
        if (service is not null) query.Append("service=").Append(Uri.EscapeDataString(service));
        if (scope is not null)
            foreach (var s in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString(s));
        var builder = new UriBuilder(realm);
        builder.Query = builder.Query.Length > 1 ? builder.Query[1..] + "&" + query : query.ToString();
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        if (credentials?.Username is not null) tokenRequest.Headers.Authorization = BasicHeader(credentials);
        using var tokenResponse = await base.SendAsync(tokenRequest, ct).ConfigureAwait(false);
        if (!tokenResponse.IsSuccessStatusCode) return null;
        if (tokenResponse.Content.Headers.ContentLength > MaxTokenResponseBytes) return null;
        var body = await tokenResponse.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        if (body.Length > MaxTokenResponseBytes) return null;
        TokenResponse? parsed;
        try { parsed = JsonSerializer.Deserialize(body, OciJsonContext.Default.TokenResponse); }
        catch (JsonException) { return null; }
        var token = parsed?.Token ?? parsed?.AccessToken;
        if (string.IsNullOrEmpty(token)) return null;
        Interlocked.Increment(ref _tokensFetched);
        var lifetime = parsed!.ExpiresIn is > 0 ? parsed.ExpiresIn.Value : DefaultTokenLifetimeSeconds;
        return (token, lifetime);
    }

    /// <summary>Set on a request to authenticate as the mirror's client (empty options = anonymous) instead of the configured account.</summary>
    public static readonly HttpRequestOptionsKey<UpstreamRegistryOptions> ClientCredentials = new("Shoal.Registry.ClientCredentials");

    private static string Identity(UpstreamRegistryOptions credentials) =>
        credentials.Username is null ? "anonymous"
            : credentials.Username + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(credentials.Password ?? "")));

    private static AuthenticationHeaderValue BasicHeader(UpstreamRegistryOptions credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.Username + ":" + credentials.Password)));

    /// <summary>Scopes are per repository and action, so cache per registry, repository and pull/push.</summary>
    private static string CacheKey(Uri uri, HttpMethod method)
    {
        var path = uri.AbsolutePath;
        var repo = path;
        foreach (var marker in (ReadOnlySpan<string>)["/manifests/", "/blobs/", "/tags/"])
        {
            var at = path.LastIndexOf(marker, StringComparison.Ordinal);
            if (at > 0) { repo = path[..at]; break; }
        }
        var push = method == HttpMethod.Get || method == HttpMethod.Head ? "pull" : "push";
        return uri.GetLeftPart(UriPartial.Authority) + repo + "#" + push;
    }

    private static async Task<HttpRequestMessage> CloneAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var clone = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version };
        foreach (var option in request.Options) ((IDictionary<string, object?>)clone.Options)[option.Key] = option.Value;
        foreach (var h in request.Headers)
            if (!h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)) clone.Headers.TryAddWithoutValidation(h.Key, h.Value);
        if (request.Content is not null)
        {
            var bytes = await request.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            var content = new ByteArrayContent(bytes);
            foreach (var h in request.Content.Headers) content.Headers.TryAddWithoutValidation(h.Key, h.Value);
            clone.Content = content;
        }
        return clone;
    }

    private sealed record CachedAuthorization(AuthenticationHeaderValue Header, DateTimeOffset ExpiresAt);
}
