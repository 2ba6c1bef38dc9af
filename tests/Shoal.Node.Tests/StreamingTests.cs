using System.Net;
using Shoal.Core;

namespace Shoal.Node.Tests;

/// <summary>
/// Bytes leave as soon as the blocks they need arrive. The seeder holds only the first leaves of a file (its
/// CAR was cut short), so a reader that waited for the whole DAG would never send a byte.
/// </summary>
public class StreamingTests
{
    private const int Chunk = 262_144;
    private const int LeavesHeld = 3;

    private static async Task<(DaemonProcess Seeder, DaemonProcess Leecher, Cid Root, byte[] Bytes)> StartWithPartialFileAsync()
    {
        var store = new MemoryBlockStore();
        var bytes = DaemonTests.RandomBytes(Chunk * 8, 51);
        var root = await TestDags.AddFileAsync(store, bytes);
        var rootNode = DagPb.Decode((await store.GetAsync(root))!.Data.Span);
        var held = new List<Block> { (await store.GetAsync(root))! };
        for (var i = 0; i < LeavesHeld; i++) held.Add((await store.GetAsync(rootNode.Links[i].Hash))!);

        var (seeder, leecher) = await BitswapTransferTests.StartPairAsync(
            leecherArgs: ["--set", "Bitswap.FetchTimeoutSeconds=6", "--set", "Gateway.NotFoundTimeoutSeconds=15"]);
        await seeder.Api.DagImportAsync(new MemoryStream(await TestDags.CarAsync(root, held)), pinRoots: false);
        return (seeder, leecher, root, bytes);
    }

    [Fact]
    public async Task Gateway_streams_the_first_blocks_of_a_file_before_the_rest_exists()
    {
        var (seeder, leecher, root, bytes) = await StartWithPartialFileAsync();
        await using var seederLease = seeder;
        await using var leecherLease = leecher;
        using var http = new HttpClient { BaseAddress = new Uri(leecher.Info.Gateway!), Timeout = TimeSpan.FromSeconds(30) };

        using var response = await http.GetAsync($"/ipfs/{root}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[Chunk * LeavesHeld];
        using var readTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await body.ReadExactlyAsync(first, readTimeout.Token);
        Assert.Equal(bytes.AsSpan(0, first.Length).ToArray(), first);
        // The rest never comes: the response ends broken, not with made-up bytes.
        await Assert.ThrowsAnyAsync<Exception>(async () => await body.ReadExactlyAsync(new byte[Chunk], readTimeout.Token));
    }

    [Fact]
    public async Task Cat_writes_the_bytes_it_has_fetched_before_the_whole_file_arrives()
    {
        var (seeder, leecher, root, bytes) = await StartWithPartialFileAsync();
        await using var seederLease = seeder;
        await using var leecherLease = leecher;

        var cat = await leecher.CliAsync("cat", root.ToString());
        Assert.NotEqual(0, cat.ExitCode);
        Assert.Equal(bytes.AsSpan(0, Chunk * LeavesHeld).ToArray(), cat.StdoutBytes);
    }
}
