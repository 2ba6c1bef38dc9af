using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Shoal.Registry.Tests;

/// <summary>Pull-through against a real docker-registry upstream.</summary>
public sealed class MirrorPullTests(UpstreamFixture upstream) : IClassFixture<UpstreamFixture>, IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly LogCapture _log = new();
    private ILoggerFactory _logs = null!;
    private RegistryMirrorHost _mirror = null!;
    private HttpClient _client = null!;
    private const string Repo = UpstreamFixture.Repository;

    public async Task InitializeAsync()
    {
        _mirror = await RegistryMirrorHost.StartAsync(new RegistryMirrorOptions
        {
            Listen = "127.0.0.1:0",
            DefaultUpstream = upstream.Registry.Url,
            DataDirectory = _dir.Path,
        }, loggerFactory: _logs = _log.Factory());
        _client = MirrorClient.For(_mirror);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _mirror.DisposeAsync();
        _logs.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task V2_root_answers_ok_with_api_version_header()
    {
        using var response = await _client.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", MirrorClient.Header(response, "Docker-Distribution-API-Version"));
    }

    [Fact]
    public async Task Index_by_tag_is_resolved_at_upstream_and_served_verbatim()
    {
        using var request = MirrorClient.ManifestRequest(HttpMethod.Get, $"/v2/{Repo}/manifests/v1");
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(OciMediaTypes.OciIndex, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(upstream.Image.Index.Digest, MirrorClient.Header(response, "Docker-Content-Digest"));
        Assert.Equal(upstream.Image.Index.Content, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(upstream.Image.Index.Content.Length, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Manifest_by_digest_and_head_carry_digest_type_and_length()
    {
        var m = upstream.Image.Manifest;
        using var get = await _client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, $"/v2/{Repo}/manifests/{m.Digest}"));
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(m.Content, await get.Content.ReadAsByteArrayAsync());
        Assert.Equal(OciMediaTypes.OciManifest, get.Content.Headers.ContentType?.MediaType);

        using var head = await _client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Head, $"/v2/{Repo}/manifests/v1-amd64"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(m.Digest, MirrorClient.Header(head, "Docker-Content-Digest"));
        Assert.Equal(m.Content.Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Every_blob_pulled_through_hashes_to_its_digest()
    {
        foreach (var blob in upstream.Image.Blobs)
        {
            HttpResponseMessage response;
            try { response = await _client.GetAsync($"/v2/{Repo}/blobs/{blob.Digest}"); }
            catch (HttpRequestException e) { throw new HttpRequestException($"{e.Message} (mirror log:\n{_log})", e); }
            using var _ = response;
            Assert.True(response.StatusCode == HttpStatusCode.OK,
                $"{(int)response.StatusCode} for {blob.Digest}: {await response.Content.ReadAsStringAsync()} (mirror log:\n{_log})");
            Assert.Equal(blob.Digest, MirrorClient.Header(response, "Docker-Content-Digest"));
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(blob.Digest, TestImage.DigestOf(bytes));
            Assert.Equal(blob.Content.Length, response.Content.Headers.ContentLength);
        }
        // Second round: from the local store, upstream not asked again.
        await _mirror.Mirror.Downloads.IdleAsync().WaitAsync(TimeSpan.FromSeconds(15));
        var layer = upstream.Image.Layers[0];
        var before = upstream.Registry.BlobGets(layer.Digest);
        using var again = await _client.GetAsync($"/v2/{Repo}/blobs/{layer.Digest}");
        Assert.Equal(layer.Content, await again.Content.ReadAsByteArrayAsync());
        Assert.Equal(before, upstream.Registry.BlobGets(layer.Digest));
        Assert.True(_mirror.Metrics.BlobsFromLocal >= 1);
    }

    [Fact]
    public async Task Range_requests_answer_206_with_the_exact_slice_before_and_after_caching()
    {
        var layer = upstream.Image.Layers[2];
        foreach (var round in new[] { "cold", "warm" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{Repo}/blobs/{layer.Digest}");
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(1000, 200_999);
            using var response = await _client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.PartialContent, round);
            Assert.Equal($"bytes 1000-200999/{layer.Content.Length}", response.Content.Headers.ContentRange?.ToString());
            Assert.Equal(layer.Content.AsSpan(1000, 200_000).ToArray(), await response.Content.ReadAsByteArrayAsync());
        }
        using var suffix = new HttpRequestMessage(HttpMethod.Get, $"/v2/{Repo}/blobs/{layer.Digest}");
        suffix.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(null, 10);
        using var tail = await _client.SendAsync(suffix);
        Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
        Assert.Equal(layer.Content[^10..], await tail.Content.ReadAsByteArrayAsync());

        using var beyond = new HttpRequestMessage(HttpMethod.Get, $"/v2/{Repo}/blobs/{layer.Digest}");
        beyond.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(layer.Content.Length + 5, null);
        using var unsatisfiable = await _client.SendAsync(beyond);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
    }

    [Fact]
    public async Task Head_blob_gives_length_and_digest_without_body()
    {
        var layer = upstream.Image.Layers[1];
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{Repo}/blobs/{layer.Digest}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(layer.Content.Length, head.Content.Headers.ContentLength);
        Assert.Equal(layer.Digest, MirrorClient.Header(head, "Docker-Content-Digest"));
    }

    [Fact]
    public async Task Concurrent_requests_for_one_blob_coalesce_into_one_upstream_download()
    {
        var layer = upstream.Image.Layers[2];
        var before = upstream.Registry.BlobGets(layer.Digest);
        var pulls = Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await _client.GetAsync($"/v2/{Repo}/blobs/{layer.Digest}", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsByteArrayAsync();
        }).ToArray();
        foreach (var bytes in await Task.WhenAll(pulls)) Assert.Equal(layer.Content, bytes);
        await upstream.Registry.WaitForBlobGetsAsync(layer.Digest, before + 1, TimeSpan.FromSeconds(10));
        Assert.Equal(before + 1, upstream.Registry.BlobGets(layer.Digest));
        Assert.Equal(1, _mirror.Metrics.UpstreamBlobDownloads);
        Assert.True(_mirror.Metrics.CoalescedRequests + _mirror.Metrics.BlobsFromLocal >= 7);
    }

    [Theory]
    [InlineData("/v2/shoal/test-image/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000", HttpStatusCode.NotFound, "BLOB_UNKNOWN")]
    [InlineData("/v2/shoal/test-image/blobs/sha256:xyz", HttpStatusCode.BadRequest, "DIGEST_INVALID")]
    [InlineData("/v2/shoal/test-image/blobs/md5:0123", HttpStatusCode.BadRequest, "DIGEST_INVALID")]
    [InlineData("/v2/Shoal/UPPER/manifests/v1", HttpStatusCode.BadRequest, "NAME_INVALID")]
    [InlineData("/v2/shoal/test-image/manifests/no-such-tag", HttpStatusCode.NotFound, "MANIFEST_UNKNOWN")]
    [InlineData("/v2/shoal/test-image/manifests/sha256:1111111111111111111111111111111111111111111111111111111111111111", HttpStatusCode.NotFound, "MANIFEST_UNKNOWN")]
    public async Task Bad_requests_get_oci_error_bodies(string path, HttpStatusCode status, string code)
    {
        using var response = await _client.SendAsync(MirrorClient.ManifestRequest(HttpMethod.Get, path));
        Assert.Equal(status, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, doc.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
    }
}
