using System.Net;
using System.Net.Http.Headers;

namespace Shoal.Registry.Tests;

/// <summary>Pushes an image with the OCI distribution push API (monolithic blob uploads, manifests by
/// digest then by tag), through the same auth handler the mirror uses for pulls.</summary>
internal sealed class OciPusher(Uri registry, UpstreamRegistryOptions? credentials = null) : IDisposable
{
    private readonly HttpClient _http = new(new RegistryAuthHandler(new SocketsHttpHandler(), _ => credentials)) { BaseAddress = registry };

    public async Task PushAsync(string name, TestImage image, string indexTag, string? manifestTag = null)
    {
        foreach (var blob in image.Blobs) await PushBlobAsync(name, blob.Digest, blob.Content);
        await PushManifestAsync(name, image.Manifest.Digest, image.Manifest);
        if (manifestTag is not null) await PushManifestAsync(name, manifestTag, image.Manifest);
        await PushManifestAsync(name, image.Index.Digest, image.Index);
        await PushManifestAsync(name, indexTag, image.Index);
    }

    public async Task PushBlobAsync(string name, string digest, byte[] content)
    {
        using var start = await _http.PostAsync($"/v2/{name}/blobs/uploads/", null);
        if (start.StatusCode != HttpStatusCode.Accepted) throw new HttpRequestException($"upload start: {(int)start.StatusCode} {await start.Content.ReadAsStringAsync()}");
        var location = start.Headers.Location!;
        if (!location.IsAbsoluteUri) location = new Uri(registry, location);
        var put = new UriBuilder(location);
        put.Query = (put.Query.Length > 1 ? put.Query[1..] + "&" : "") + "digest=" + Uri.EscapeDataString(digest);
        using var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var done = await _http.PutAsync(put.Uri, body);
        if (done.StatusCode != HttpStatusCode.Created) throw new HttpRequestException($"upload {digest}: {(int)done.StatusCode} {await done.Content.ReadAsStringAsync()}");
    }

    public async Task PushManifestAsync(string name, string reference, TestImage.Blob manifest)
    {
        using var body = new ByteArrayContent(manifest.Content);
        body.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
        using var response = await _http.PutAsync($"/v2/{name}/manifests/{reference}", body);
        if (response.StatusCode != HttpStatusCode.Created) throw new HttpRequestException($"manifest {reference}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public void Dispose() => _http.Dispose();
}
