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
        var root = await TestDags.DirectoryAsync(store, ("a.bin", bigCid), ("sub", sub));

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

        // A name that is not there is a 404, and so is a path through a file.
        using (var missing = await http.GetAsync($"/ipfs/{root}/sub/nope.txt"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("no link named 'nope.txt'", await missing.Content.ReadAsStringAsync());
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

    [Fact]
    public async Task A_directory_kubo_made_serves_its_files_by_path()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        var car = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "dir-with-files.car"));
        var imported = await daemon.Api.DagImportAsync(new MemoryStream(car), pinRoots: true);
        var root = Assert.Single(imported.Roots);
        Assert.Equal("bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy", root);
        using var http = new HttpClient { BaseAddress = new Uri(daemon.Info.Gateway!), Timeout = TimeSpan.FromSeconds(20) };

        using var file = await http.GetAsync($"/ipfs/{root}/multiblock.txt");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        var text = await file.Content.ReadAsStringAsync();
        Assert.Equal(1026, text.Length);
        Assert.StartsWith("Lorem ipsum dolor sit amet", text);
        Assert.Equal("\"bafybeigcisqd7m5nf3qmuvjdbakl5bdnh4ocrmacaqkpuh77qjvggmt2sa\"", file.Headers.ETag!.Tag);

        // Its CAR (path block + the file's DAG) is enough for a client to walk the path and read the file itself.
        using var response = await http.GetAsync($"/ipfs/{root}/multiblock.txt?format=car");
        var received = new MemoryBlockStore();
        await CarReader.ImportAsync(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), received);
        var resolved = await PathResolver.ResolveAsync(async (c, ct) => (await received.GetAsync(c, ct))!, Cid.Parse(root), ["multiblock.txt"], default);
        var back = new MemoryStream();
        await new UnixFsReader(received).CopyToAsync(resolved.Target, back);
        Assert.Equal(text, System.Text.Encoding.UTF8.GetString(back.ToArray()));
    }

    /// <summary>Builds a HAMT-sharded directory of <paramref name="files"/> small files with the real js importer
    /// (ipfs-unixfs-importer, as Helia and Kubo shard big directories) and returns its root and blocks.</summary>
    private static async Task<(Cid Root, List<Block> Blocks)> JsShardedDirectoryAsync(int files)
    {
        const string script = """
            import { importer } from 'ipfs-unixfs-importer'
            import { MemoryBlockstore } from 'blockstore-core/memory'
            const n = Number(process.argv[1])
            const store = new MemoryBlockstore()
            const files = []
            for (let i = 0; i < n; i++) files.push({ path: `dir/file-${i}.txt`, content: new TextEncoder().encode(`content of file ${i}\n`) })
            let root
            for await (const entry of importer(files, store, { shardSplitThresholdBytes: 1 })) root = entry
            for await (const { cid, bytes } of store.getAll()) {
              const parts = []
              for await (const part of (bytes instanceof Uint8Array ? [bytes] : bytes)) parts.push(part)
              process.stdout.write(JSON.stringify({ cid: cid.toString(), data: Buffer.concat(parts).toString('base64') }) + '\n')
            }
            process.stdout.write(JSON.stringify({ root: root.cid.toString() }) + '\n')
            """;
        var start = new System.Diagnostics.ProcessStartInfo("node") { WorkingDirectory = Shoal.Interop.Tests.JsPeer.InteropDirectory(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--input-type=module", "-e", script, files.ToString(System.Globalization.CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        var blocks = new List<Block>();
        Cid? root = null;
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var json = System.Text.Json.JsonDocument.Parse(line).RootElement;
            if (json.TryGetProperty("root", out var r)) root = Cid.Parse(r.GetString()!);
            else blocks.Add(Block.Create(Cid.Parse(json.GetProperty("cid").GetString()!), Convert.FromBase64String(json.GetProperty("data").GetString()!)));
        }
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0 && root is not null, "js importer failed: " + await stderr);
        return (root!, blocks);
    }

    private static bool IsShard(Block block)
    {
        try { return DagPb.Decode(block.Data.Span).Data is { } d && UnixFsData.Decode(d.Span).Type == UnixFsType.HamtShard; }
        catch (FormatException) { return false; }
    }

    [Fact]
    public async Task Paths_resolve_through_a_hamt_sharded_directory_made_by_the_js_importer()
    {
        var (root, blocks) = await JsShardedDirectoryAsync(600);
        var rootNode = DagPb.Decode(blocks.First(b => b.Cid.Hash.Equals(root.Hash)).Data.Span); // the js store keys by multihash: its CIDs come back as raw
        Assert.Equal(UnixFsType.HamtShard, UnixFsData.Decode(rootNode.Data!.Value.Span).Type);
        Assert.Contains(rootNode.Links, l => l.Name!.Length == 2); // 600 names in 256 buckets: sub-shards exist

        await using var daemon = await DaemonProcess.StartAsync(extraArgs: ["--set", "Gateway.NotFoundTimeoutSeconds=3"]);
        await daemon.Api.DagImportAsync(new MemoryStream(await TestDags.CarAsync(root, blocks)), pinRoots: true);
        using var http = new HttpClient { BaseAddress = new Uri(daemon.Info.Gateway!), Timeout = TimeSpan.FromSeconds(20) };

        foreach (var i in new[] { 0, 1, 77, 255, 256, 599 })
        {
            using var file = await http.GetAsync($"/ipfs/{root}/file-{i}.txt");
            Assert.True(file.StatusCode == HttpStatusCode.OK, $"file-{i}.txt: {(int)file.StatusCode} {await file.Content.ReadAsStringAsync()}");
            Assert.Equal($"content of file {i}\n", await file.Content.ReadAsStringAsync());
        }
        using (var missing = await http.GetAsync($"/ipfs/{root}/file-600.txt"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("HAMT", await missing.Content.ReadAsStringAsync());
        }

        // The CAR of a path through shards carries every shard block passed, so a client can verify the path.
        using var car = await http.GetAsync($"/ipfs/{root}/file-599.txt?format=car");
        var received = new MemoryBlockStore();
        var (_, count) = await CarReader.ImportAsync(new MemoryStream(await car.Content.ReadAsByteArrayAsync()), received);
        var resolved = await PathResolver.ResolveAsync(async (c, ct) => await received.GetAsync(c, ct) ?? throw new BlockNotFoundException(c), root, ["file-599.txt"], default);
        Assert.Equal(count, resolved.PathBlocks.Count + 1);
        Assert.Equal("content of file 599\n", System.Text.Encoding.UTF8.GetString((await received.GetAsync(resolved.Target))!.Data.Span));

        // dag-scope=entity of the sharded directory: all its shard blocks (enough to list it), none of the files.
        using var entity = await http.GetAsync($"/ipfs/{root}?format=car&dag-scope=entity");
        var (_, shardCount) = await CarReader.ImportAsync(new MemoryStream(await entity.Content.ReadAsByteArrayAsync()), new MemoryBlockStore());
        var shards = blocks.Count(b => b.Data.Length > 0 && b.Data.Span[0] == 0x12 && IsShard(b)); // dag-pb blocks that are shards
        Assert.True(shards > 1);
        Assert.Equal(shards, shardCount);
    }
}
