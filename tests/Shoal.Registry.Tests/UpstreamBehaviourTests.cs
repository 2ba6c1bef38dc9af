using System.Diagnostics;
using System.Net;

namespace Shoal.Registry.Tests;

/// <summary>Tags that move, upstreams that vanish, and the ns parameter.</summary>
public sealed class UpstreamBehaviourTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private DockerRegistryProcess _registry = null!;

    public async Task InitializeAsync() => _registry = await DockerRegistryProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_tag_that_moves_upstream_is_followed_once_its_ttl_passes()
    {
        var first = TestImage.Generate(seed: 31, 10_000);
        var second = TestImage.Generate(seed: 32, 10_000);
        using var pusher = new OciPusher(_registry.Url);
        await pusher.PushAsync("moving/tag", first, "stable");
        var time = new ManualTime(DateTimeOffset.UtcNow);
        await using var mirror = await RegistryMirrorHost.StartAsync(new RegistryMirrorOptions
        {
            Listen = "127.0.0.1:0", DefaultUpstream = _registry.Url, DataDirectory = _dir.Sub("m"), TagTtl = TimeSpan.FromSeconds(30),
        }, time: time);
        using var client = MirrorClient.For(mirror);
        async Task<string> DigestOfTag()
        {
            using var r = await client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Head, "/v2/moving/tag/manifests/stable"));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            return MirrorClient.Header(r, "Docker-Content-Digest");
        }
        Assert.Equal(first.Index.Digest, await DigestOfTag());
        await pusher.PushAsync("moving/tag", second, "stable");
        Assert.Equal(first.Index.Digest, await DigestOfTag()); // within the TTL: the cached answer
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(second.Index.Digest, await DigestOfTag());
    }

    [Fact]
    public async Task Unreachable_upstream_answers_404_fast_and_cached_content_is_still_served()
    {
        var image = TestImage.Generate(seed: 33, 50_000);
        using (var pusher = new OciPusher(_registry.Url)) await pusher.PushAsync("going/away", image, "v1");
        var time = new ManualTime(DateTimeOffset.UtcNow);
        await using var mirror = await RegistryMirrorHost.StartAsync(new RegistryMirrorOptions
        {
            Listen = "127.0.0.1:0", DefaultUpstream = _registry.Url, DataDirectory = _dir.Sub("m2"),
        }, time: time);
        using var client = MirrorClient.For(mirror);
        using (var warm = await client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, "/v2/going/away/manifests/v1"))) Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        var layer = image.Layers[0];
        Assert.Equal(layer.Content, await client.GetByteArrayAsync($"/v2/going/away/blobs/{layer.Digest}"));

        await _registry.DisposeAsync(); // the upstream is gone (its port now refuses connections)
        time.Advance(TimeSpan.FromMinutes(5)); // and the tag's TTL has passed

        var clock = Stopwatch.StartNew();
        using var unknown = await client.GetAsync($"/v2/going/away/blobs/sha256:{new string('a', 64)}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var unknownTag = await client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, "/v2/going/away/manifests/never-pushed"));
        Assert.Equal(HttpStatusCode.NotFound, unknownTag.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"404s took {clock.Elapsed}");

        using var stale = await client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, "/v2/going/away/manifests/v1"));
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(image.Index.Content, await stale.Content.ReadAsByteArrayAsync());
        Assert.Equal(layer.Content, await client.GetByteArrayAsync($"/v2/going/away/blobs/{layer.Digest}"));
    }

    [Fact]
    public async Task Ns_selects_the_upstream_and_requests_without_it_and_without_default_are_404()
    {
        var image = TestImage.Generate(seed: 34, 20_000);
        using (var pusher = new OciPusher(_registry.Url)) await pusher.PushAsync("by/ns", image, "v1");
        var options = new RegistryMirrorOptions { Listen = "127.0.0.1:0", DataDirectory = _dir.Sub("m3") };
        options.Registries[_registry.HostPort] = new UpstreamRegistryOptions { Url = _registry.Url };
        await using var mirror = await RegistryMirrorHost.StartAsync(options);
        using var client = MirrorClient.For(mirror);
        using var without = await client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, "/v2/by/ns/manifests/v1"));
        Assert.Equal(HttpStatusCode.NotFound, without.StatusCode);
        using var with = await client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, $"/v2/by/ns/manifests/v1?ns={_registry.HostPort}"));
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Equal(image.Index.Digest, MirrorClient.Header(with, "Docker-Content-Digest"));
    }
}
