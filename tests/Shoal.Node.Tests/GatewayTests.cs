using System.Net;
using System.Net.Http.Headers;
using Shoal.Core;

namespace Shoal.Node.Tests;

public class GatewayTests
{
    private static async Task<(DaemonProcess Daemon, string Cid, byte[] Bytes)> StartWithFileAsync(int size = 600_000)
    {
        var daemon = await DaemonProcess.StartAsync();
        var bytes = DaemonTests.RandomBytes(size, 7);
        var result = await daemon.Api.AddAsync(new MemoryStream(bytes), "f.bin", new AddOptions());
        return (daemon, result.Hash, bytes);
    }

    [Fact]
    public async Task File_bytes_come_with_etag_immutable_caching_and_range_support()
    {
        var (daemon, cid, bytes) = await StartWithFileAsync();
        await using var _ = daemon;
        using var http = new HttpClient { BaseAddress = new Uri(daemon.Info.Gateway!) };

        using var full = await http.GetAsync($"/ipfs/{cid}");
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(bytes, await full.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{cid}\"", full.Headers.ETag!.Tag);
        Assert.Equal("public, max-age=29030400, immutable", full.Headers.CacheControl!.ToString());
        Assert.Contains("bytes", full.Headers.AcceptRanges);

        var range = new HttpRequestMessage(HttpMethod.Get, $"/ipfs/{cid}");
        range.Headers.Range = new RangeHeaderValue(262_100, 262_200); // spans the first chunk boundary
        using var partial = await http.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes.AsSpan(262_100, 101).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 262100-262200/{bytes.Length}", partial.Content.Headers.ContentRange!.ToString());

        var suffix = new HttpRequestMessage(HttpMethod.Get, $"/ipfs/{cid}");
        suffix.Headers.Range = new RangeHeaderValue(null, 10);
        using var tail = await http.SendAsync(suffix);
        Assert.Equal(bytes[^10..], await tail.Content.ReadAsByteArrayAsync());

        var beyond = new HttpRequestMessage(HttpMethod.Get, $"/ipfs/{cid}");
        beyond.Headers.Range = new RangeHeaderValue(bytes.Length + 5, null);
        using var unsatisfiable = await http.SendAsync(beyond);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);

        var conditional = new HttpRequestMessage(HttpMethod.Get, $"/ipfs/{cid}");
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{cid}\""));
        using var notModified = await http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task Raw_block_by_format_or_accept_header_is_the_verified_block()
    {
        var (daemon, cid, _) = await StartWithFileAsync();
        await using var __ = daemon;
        using var http = new HttpClient { BaseAddress = new Uri(daemon.Info.Gateway!) };

        using var byQuery = await http.GetAsync($"/ipfs/{cid}?format=raw");
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
        Assert.Equal("application/vnd.ipld.raw", byQuery.Content.Headers.ContentType!.MediaType);
        var block = await byQuery.Content.ReadAsByteArrayAsync();
        Assert.True(Cid.Parse(cid).Hash.Matches(block));

        var accept = new HttpRequestMessage(HttpMethod.Get, $"/ipfs/{cid}");
        accept.Headers.Accept.ParseAdd("application/vnd.ipld.raw");
        using var byAccept = await http.SendAsync(accept);
        Assert.Equal(block, await byAccept.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{cid}.raw\"", byAccept.Headers.ETag!.Tag);
    }

    [Fact]
    public async Task Car_response_holds_the_whole_dag_and_reimports_to_the_same_bytes()
    {
        var (daemon, cid, bytes) = await StartWithFileAsync();
        await using var __ = daemon;
        using var http = new HttpClient { BaseAddress = new Uri(daemon.Info.Gateway!) };

        using var response = await http.GetAsync($"/ipfs/{cid}?format=car");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.ipld.car", response.Content.Headers.ContentType!.MediaType);
        var car = await response.Content.ReadAsByteArrayAsync();

        var store = new MemoryBlockStore();
        var (roots, count) = await CarReader.ImportAsync(new MemoryStream(car), store);
        Assert.Equal([Cid.Parse(cid)], roots);
        Assert.Equal(4, count); // 600 kB at 256 KiB chunks: 3 leaves + root
        var back = new MemoryStream();
        await new UnixFsReader(store).CopyToAsync(Cid.Parse(cid), back);
        Assert.Equal(bytes, back.ToArray());
    }

    [Fact]
    public async Task Bad_cid_is_400_and_missing_cid_is_404_without_hanging()
    {
        await using var daemon = await DaemonProcess.StartAsync(extraArgs: ["--set", "Gateway.NotFoundTimeoutSeconds=2"]);
        using var http = new HttpClient { BaseAddress = new Uri(daemon.Info.Gateway!), Timeout = TimeSpan.FromSeconds(15) };

        using var bad = await http.GetAsync("/ipfs/not-a-cid");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("invalid CID", await bad.Content.ReadAsStringAsync());

        var missing = Block.Compute("never added"u8.ToArray()).Cid;
        using var notFound = await http.GetAsync($"/ipfs/{missing}");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Contains(missing.ToString(), await notFound.Content.ReadAsStringAsync());
    }
}
