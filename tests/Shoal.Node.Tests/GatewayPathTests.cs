using System.Net;
using System.Net.Http.Headers;
using Shoal.Core;

namespace Shoal.Node.Tests;

public class GatewayPathTests
{
    [Fact]
    public async Task Paths_resolve_through_unixfs_directories_for_file_bytes_raw_and_car()
    {
        var store = new MemoryBlockStore();
        var big = DaemonTests.RandomBytes(600_000, 41);
        var small = DaemonTests.RandomBytes(1_000, 42);
        var bigCid = await TestDags.AddFileAsync(store, big);
        var smallCid = await TestDags.AddFileAsync(store, small);
        var sub = await TestDags.DirectoryAsync(store, ("b.txt", smallCid));
        var shard = await TestDags.HamtShardAsync(store, ("80x", smallCid));
        var root = await TestDags.DirectoryAsync(store, ("a.bin", bigCid), ("sub", sub), ("shard", shard));

        await using var daemon = await DaemonProcess.StartAsync(extraArgs: ["--set", "Gateway.NotFoundTimeoutSeconds=3"]);
        await daemon.Api.DagImportAsync(new MemoryStream(await TestDags.CarAsync(root, await TestDags.AllBlocksAsync(store))), pinRoots: true);
        using var http = new HttpClient { BaseAddress = new Uri(daemon.Info.Gateway!), Timeout = TimeSpan.FromSeconds(20) };

        // File bytes at a path, whole and by range.
        using (var file = await http.GetAsync($"/ipfs/{root}/a.bin"))
        {
            Assert.Equal(HttpStatusCode.OK, file.StatusCode);
            Assert.Equal(big, await file.Content.ReadAsByteArrayAsync());
            Assert.Equal($"\"{bigCid}\"", file.Headers.ETag!.Tag);
            Assert.Equal($"{root},{bigCid}", string.Join(',', file.Headers.GetValues("X-Ipfs-Roots")));
        }
        var range = new HttpRequestMessage(HttpMethod.Get, $"/ipfs/{root}/sub/b.txt");
        range.Headers.Range = new RangeHeaderValue(10, 19);
        using (var partial = await http.SendAsync(range))
        {
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal(small.AsSpan(10, 10).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        }

        // The raw block at the end of a path.
        using (var raw = await http.GetAsync($"/ipfs/{root}/sub/b.txt?format=raw"))
        {
            Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
            Assert.True(smallCid.Hash.Matches(await raw.Content.ReadAsByteArrayAsync()));
        }

        // A CAR of a path: the blocks along the path, then the target's DAG (dag-scope=all), verifiable from the root.
        using (var car = await http.GetAsync($"/ipfs/{root}/a.bin?format=car"))
        {
            Assert.Equal(HttpStatusCode.OK, car.StatusCode);
            var received = new MemoryBlockStore();
            var (roots, count) = await CarReader.ImportAsync(new MemoryStream(await car.Content.ReadAsByteArrayAsync()), received);
            Assert.Equal([root], roots);
            Assert.Equal(1 + 4, count); // the root directory, then 3 leaves + the file node
            Assert.False(await received.HasAsync(sub));
            var resolved = await PathResolver.ResolveAsync(async (c, ct) => (await received.GetAsync(c, ct))!, root, ["a.bin"], default);
            var back = new MemoryStream();
            await new UnixFsReader(received).CopyToAsync(resolved.Target, back);
            Assert.Equal(big, back.ToArray());
        }
        using (var car = await http.GetAsync($"/ipfs/{root}/sub/b.txt?format=car&dag-scope=block"))
        {
            var received = new MemoryBlockStore();
            var (_, count) = await CarReader.ImportAsync(new MemoryStream(await car.Content.ReadAsByteArrayAsync()), received);
            Assert.Equal(3, count); // root, sub, and the file's one block
            Assert.True(await received.HasAsync(sub) && await received.HasAsync(smallCid));
        }

        // A name that is not there is a 404; a sharded directory is detected and refused clearly.
        using (var missing = await http.GetAsync($"/ipfs/{root}/sub/nope.txt"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("no link named 'nope.txt'", await missing.Content.ReadAsStringAsync());
        }
        using (var sharded = await http.GetAsync($"/ipfs/{root}/shard/80x"))
        {
            Assert.Equal(HttpStatusCode.NotImplemented, sharded.StatusCode);
            Assert.Contains("HAMT-sharded", await sharded.Content.ReadAsStringAsync());
        }
        using (var throughFile = await http.GetAsync($"/ipfs/{root}/a.bin/x"))
            Assert.Equal(HttpStatusCode.NotFound, throughFile.StatusCode);

        // The CLI and API take the same paths.
        var cat = await daemon.CliAsync("cat", $"/ipfs/{root}/sub/b.txt");
        Assert.True(cat.ExitCode == 0, cat.ToString());
        Assert.Equal(small, cat.StdoutBytes);
        using var dir = new TempDir();
        var get = await daemon.CliAsync("get", $"{root}/a.bin", "-o", dir.Combine("a.bin"));
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(big, await File.ReadAllBytesAsync(dir.Combine("a.bin")));
        var nope = await daemon.CliAsync("cat", $"/ipfs/{root}/nope");
        Assert.Equal(1, nope.ExitCode);
        Assert.Contains("no link named 'nope'", nope.Stderr);
    }
}
