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

        await mirror.Mirror.Downloads.IdleAsync().WaitAsync(TimeSpan.FromSeconds(15));
        var blobs = Skopeo.VerifiedLayoutBlobs(layout);
        var image = upstream.Image;
        foreach (var expected in image.Blobs.Select(b => b.Digest).Append(image.Manifest.Digest).Append(image.Index.Digest))
            Assert.Contains(expected, blobs);
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json")));
        Assert.Equal(image.Index.Digest, index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString());
        Assert.Equal(image.Layers.Count + 1, mirror.Metrics.BlobsFromUpstream); // layers and config, each downloaded once
    }

    [Fact]
    public async Task Skopeo_through_three_swarm_mirrors_takes_each_blob_from_upstream_once()
    {
        const string repo = "skopeo/swarm";
        var image = TestImage.Generate(seed: 51, 2_600_000, 1_200_000);
        using (var pusher = new OciPusher(upstream.Registry.Url)) await pusher.PushAsync(repo, image, "v1");
        using var dir = new TempDirectory();
        await using var cluster = new SwarmCluster();
        var mirrors = new List<RegistryMirrorHost>();
        foreach (var peer in new[] { "A", "B", "C" })
        {
            var mirror = await cluster.AddMirrorAsync(peer, upstream.Registry.Url);
            mirrors.Add(mirror);
            var layout = Path.Combine(dir.Path, "layout-" + peer);
            await Skopeo.CopyAsync($"docker://{mirror.HostPort}/{repo}:v1", "oci:" + layout, TimeSpan.FromSeconds(25));
            await mirror.Mirror.Downloads.IdleAsync().WaitAsync(TimeSpan.FromSeconds(15));
            var blobs = Skopeo.VerifiedLayoutBlobs(layout);
            foreach (var b in image.Blobs) Assert.Contains(b.Digest, blobs);
        }
        foreach (var blob in image.Blobs)
        {
            await upstream.Registry.WaitForBlobGetsAsync(blob.Digest, 1, TimeSpan.FromSeconds(10));
            Assert.Equal(1, upstream.Registry.BlobGets(blob.Digest));
        }
        Assert.Equal(image.Blobs.Count(), mirrors[0].Metrics.BlobsFromUpstream);
        Assert.All(mirrors.Skip(1), m => Assert.Equal(image.Blobs.Count(), m.Metrics.BlobsFromPeers));
        Assert.All(mirrors.Skip(1), m => Assert.Equal(0, m.Metrics.BlobsFromUpstream));
    }
}
