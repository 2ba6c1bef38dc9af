using System.Net;

namespace Shoal.Registry.Tests;

/// <summary>A pull-through survives one broken upstream connection: blob GETs are idempotent, so the mirror
/// tries once more on a fresh connection (resuming where the bytes stopped) before failing its client.</summary>
public sealed class UpstreamConnectionFailureTests : IDisposable
{
    private const string Repo = "flaky/upstream";
    private readonly TempDirectory _dir = new();
    private readonly TestImage _image = TestImage.Generate(seed: 41, 900_000);

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(UpstreamFault.ResetOnAccept)]
    [InlineData(UpstreamFault.CloseMidBody)]
    public async Task Blob_pull_through_survives_one_broken_upstream_connection(UpstreamFault fault)
    {
        var layer = _image.Layers[0];
        await using var upstream = new FaultyBlobUpstream(layer.Content, layer.Digest, fault);
        await using var mirror = await RegistryMirrorHost.StartAsync(new RegistryMirrorOptions
        {
            Listen = "127.0.0.1:0", DefaultUpstream = upstream.Url, DataDirectory = _dir.Path,
        });
        using var client = MirrorClient.For(mirror);

        using var response = await client.GetAsync($"/v2/{Repo}/blobs/{layer.Digest}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(layer.Digest, TestImage.DigestOf(bytes));
        Assert.Equal(2, upstream.Connections);
    }

    [Fact]
    public async Task Blob_pull_through_gives_up_after_the_retry_also_fails()
    {
        var layer = _image.Layers[0];
        await using var upstream = new FaultyBlobUpstream(layer.Content, layer.Digest,
            UpstreamFault.ResetOnAccept, UpstreamFault.ResetOnAccept, UpstreamFault.ResetOnAccept);
        await using var mirror = await RegistryMirrorHost.StartAsync(new RegistryMirrorOptions
        {
            Listen = "127.0.0.1:0", DefaultUpstream = upstream.Url, DataDirectory = _dir.Path,
        });
        using var client = MirrorClient.For(mirror);

        using var response = await client.GetAsync($"/v2/{Repo}/blobs/{layer.Digest}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(2, upstream.Connections);
    }
}
