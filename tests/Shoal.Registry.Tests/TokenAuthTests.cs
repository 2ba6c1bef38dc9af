using System.Net;
using System.Text.Json;

namespace Shoal.Registry.Tests;

/// <summary>The upstream is a docker-registry behind token auth (a real minimal token service issuing the
/// JWTs distribution verifies): the mirror does the Bearer challenge flow, anonymously or with configured
/// credentials, and does not hand out what the upstream refuses.</summary>
public sealed class TokenAuthTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TokenServer _tokens = null!;
    private DockerRegistryProcess _registry = null!;
    private readonly TestImage _public = TestImage.Generate(seed: 21, 300_000, 120_000);
    private readonly TestImage _private = TestImage.Generate(seed: 22, 250_000);

    public async Task InitializeAsync()
    {
        _tokens = await TokenServer.StartAsync(_dir.Path);
        _registry = await DockerRegistryProcess.StartAsync((_tokens.Realm, TokenServer.Service, TokenServer.Issuer, _tokens.CertPath));
        using var pusher = new OciPusher(_registry.Url, new UpstreamRegistryOptions { Username = TokenServer.User, Password = TokenServer.Password });
        await pusher.PushAsync("public/app", _public, "latest");
        await pusher.PushAsync("private/app", _private, "latest");
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        await _tokens.DisposeAsync();
        _dir.Dispose();
    }

    private Task<RegistryMirrorHost> StartMirrorAsync(bool withCredentials)
    {
        var options = new RegistryMirrorOptions { Listen = "127.0.0.1:0", DataDirectory = _dir.Sub("mirror-" + withCredentials) };
        options.Registries[_registry.HostPort] = withCredentials
            ? new UpstreamRegistryOptions { Url = _registry.Url, Username = TokenServer.User, Password = TokenServer.Password }
            : new UpstreamRegistryOptions { Url = _registry.Url };
        return RegistryMirrorHost.StartAsync(options);
    }

    [Fact]
    public async Task Anonymous_token_flow_pulls_a_public_image_through_ns()
    {
        await using var mirror = await StartMirrorAsync(withCredentials: false);
        using var client = MirrorClient.For(mirror);
        var ns = "?ns=" + _registry.HostPort;
        using var index = await client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, "/v2/public/app/manifests/latest" + ns));
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal(_public.Index.Content, await index.Content.ReadAsByteArrayAsync());
        foreach (var blob in _public.Blobs)
        {
            var bytes = await client.GetByteArrayAsync($"/v2/public/app/blobs/{blob.Digest}{ns}");
            Assert.Equal(blob.Digest, TestImage.DigestOf(bytes));
        }
        Assert.True(mirror.Mirror.Upstream.Auth.TokensFetched >= 1);
        // One token per repository and action, reused for every request that follows.
        Assert.True(mirror.Mirror.Upstream.Auth.TokensFetched <= 2, $"fetched {mirror.Mirror.Upstream.Auth.TokensFetched} tokens");
    }

    [Fact]
    public async Task Private_image_is_refused_without_credentials_and_served_with_them()
    {
        var ns = "?ns=" + _registry.HostPort;
        await using (var anonymous = await StartMirrorAsync(withCredentials: false))
        {
            using var client = MirrorClient.For(anonymous);
            using var refused = await client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, "/v2/private/app/manifests/latest" + ns));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            using var doc = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("UNAUTHORIZED", doc.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
            using var blob = await client.GetAsync($"/v2/private/app/blobs/{_private.Layers[0].Digest}{ns}");
            Assert.Equal(HttpStatusCode.Unauthorized, blob.StatusCode);
        }
        await using var authorised = await StartMirrorAsync(withCredentials: true);
        using var c2 = MirrorClient.For(authorised);
        c2.DefaultRequestHeaders.Authorization = Basic(TokenServer.User, TokenServer.Password);
        using var index = await c2.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, "/v2/private/app/manifests/latest" + ns));
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal(_private.Index.Digest, MirrorClient.Header(index, "Docker-Content-Digest"));
        var layer = await c2.GetByteArrayAsync($"/v2/private/app/blobs/{_private.Layers[0].Digest}{ns}");
        Assert.Equal(_private.Layers[0].Content, layer);
    }

    [Fact]
    public async Task A_mirror_with_credentials_serves_cached_private_content_only_to_clients_the_upstream_authorises()
    {
        var ns = "?ns=" + _registry.HostPort;
        await using var mirror = await StartMirrorAsync(withCredentials: true);
        using var alice = MirrorClient.For(mirror);
        alice.DefaultRequestHeaders.Authorization = Basic(TokenServer.User, TokenServer.Password);
        var layer = _private.Layers[0];
        Assert.Equal(layer.Content, await alice.GetByteArrayAsync($"/v2/private/app/blobs/{layer.Digest}{ns}")); // now cached

        using var anonymous = MirrorClient.For(mirror);
        using var refused = await anonymous.GetAsync($"/v2/private/app/blobs/{layer.Digest}{ns}");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.StartsWith("Basic", MirrorClient.Header(refused, "WWW-Authenticate"));
        using var refusedManifest = await anonymous.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, $"/v2/private/app/manifests/{_private.Manifest.Digest}{ns}"));
        Assert.Equal(HttpStatusCode.Unauthorized, refusedManifest.StatusCode);
        using var mallory = MirrorClient.For(mirror);
        mallory.DefaultRequestHeaders.Authorization = Basic(TokenServer.User, "guess");
        using var wrong = await mallory.GetAsync($"/v2/private/app/blobs/{layer.Digest}{ns}");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        // Public repositories of the same registry stay open to anonymous clients.
        using var publicIndex = await anonymous.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, "/v2/public/app/manifests/latest" + ns));
        Assert.Equal(HttpStatusCode.OK, publicIndex.StatusCode);
        Assert.Equal(_public.Layers[0].Content, await anonymous.GetByteArrayAsync($"/v2/public/app/blobs/{_public.Layers[0].Digest}{ns}"));
    }

    [Fact]
    public async Task A_registry_configured_public_is_served_to_anyone()
    {
        var options = new RegistryMirrorOptions { Listen = "127.0.0.1:0", DataDirectory = _dir.Sub("mirror-public") };
        options.Registries[_registry.HostPort] = new UpstreamRegistryOptions
        {
            Url = _registry.Url, Username = TokenServer.User, Password = TokenServer.Password, Public = true,
        };
        await using var mirror = await RegistryMirrorHost.StartAsync(options);
        using var anonymous = MirrorClient.For(mirror);
        var layer = _private.Layers[0];
        Assert.Equal(layer.Content, await anonymous.GetByteArrayAsync($"/v2/private/app/blobs/{layer.Digest}?ns={_registry.HostPort}"));
    }

    private static System.Net.Http.Headers.AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(user + ":" + password)));
}
