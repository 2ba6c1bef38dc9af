using System.Text.Json;

namespace Shoal.Registry.Tests;

/// <summary>A real client (skopeo) copies an image through the mirror.</summary>
public sealed class SkopeoTests(UpstreamFixture upstream) : IClassFixture<UpstreamFixture>
{
    [Fact]
    public async Task Skopeo_copies_a_multi_layer_image_through_the_mirror_with_matching_digests()
    {
        using var dir = new TempDirectory();
        await using var mirror = await RegistryMirrorHost.StartAsync(new RegistryMirrorOptions
        {
            Listen = "127.0.0.1:0", DefaultUpstream = upstream.Registry.Url, DataDirectory = dir.Sub("mirror"),
        });
        var layout = Path.Combine(dir.Path, "layout");
        await Skopeo.CopyAsync($"docker://{mirror.HostPort}/{UpstreamFixture.Repository}:v1", "oci:" + layout, TimeSpan.FromSeconds(25));

        var blobs = Skopeo.VerifiedLayoutBlobs(layout);
        var image = upstream.Image;
        foreach (var expected in image.Blobs.Select(b => b.Digest).Append(image.Manifest.Digest).Append(image.Index.Digest))
            Assert.Contains(expected, blobs);
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json")));
        Assert.Equal(image.Index.Digest, index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString());
        Assert.Equal(image.Layers.Count + 1, mirror.Metrics.BlobsFromUpstream); // layers and config, each downloaded once
    }
}
