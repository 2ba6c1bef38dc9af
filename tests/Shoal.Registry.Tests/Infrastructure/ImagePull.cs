using System.Net;

namespace Shoal.Registry.Tests;

/// <summary>Pulls a whole image through a mirror the way a runtime does and checks every byte.</summary>
internal static class ImagePull
{
    /// <summary>Pulls and verifies, then waits until the mirror has stored (and announced) what it downloaded.</summary>
    public static async Task PullAndVerifyAsync(RegistryMirrorHost mirror, string repo, TestImage image, string? tag)
    {
        using var client = MirrorClient.For(mirror);
        await PullAndVerifyAsync(client, repo, image, tag);
        await mirror.Mirror.Downloads.IdleAsync().WaitAsync(TimeSpan.FromSeconds(15));
    }

    public static async Task PullAndVerifyAsync(HttpClient client, string repo, TestImage image, string? tag)
    {
        if (tag is not null)
        {
            using var index = await client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, $"/v2/{repo}/manifests/{tag}"));
            Assert.Equal(HttpStatusCode.OK, index.StatusCode);
            Assert.Equal(image.Index.Content, await index.Content.ReadAsByteArrayAsync());
        }
        foreach (var manifest in new[] { image.Index, image.Manifest })
        {
            using var m = await client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, $"/v2/{repo}/manifests/{manifest.Digest}"));
            Assert.Equal(HttpStatusCode.OK, m.StatusCode);
            Assert.Equal(manifest.Content, await m.Content.ReadAsByteArrayAsync());
            Assert.Equal(manifest.MediaType, m.Content.Headers.ContentType?.MediaType);
        }
        foreach (var blob in image.Blobs)
        {
            using var response = await client.GetAsync($"/v2/{repo}/blobs/{blob.Digest}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(blob.Digest, TestImage.DigestOf(bytes));
        }
    }
}
