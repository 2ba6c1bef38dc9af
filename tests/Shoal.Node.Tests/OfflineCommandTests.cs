using System.Text;

namespace Shoal.Node.Tests;

/// <summary>Commands run without a daemon work on the repository directly.</summary>
public class OfflineCommandTests
{
    private static async Task<string> InitAsync(TempDir dir)
    {
        var repo = dir.Combine("repo");
        var init = await ShoalCli.RunAsync("init", "--repo", repo, "--profile", "test");
        Assert.True(init.ExitCode == 0, init.ToString());
        return repo;
    }

    [Theory]
    [InlineData("hello world\n", new string[0], "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")]              // `echo hello world | ipfs add`
    [InlineData("", new string[0], "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")]                           // Kubo's empty file
    [InlineData("hello world\n", new[] { "--cid-version", "1" }, "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4")] // ipfs add --cid-version 1: one raw leaf
    public async Task Add_gives_kubo_cids_and_cat_returns_the_bytes(string content, string[] flags, string expected)
    {
        using var dir = new TempDir();
        var repo = await InitAsync(dir);
        var file = dir.Combine("input.txt");
        await File.WriteAllTextAsync(file, content);

        var add = await ShoalCli.RunAsync(["add", "-q", file, "--repo", repo, .. flags]);
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Equal(expected, add.Stdout.Trim());

        var cat = await ShoalCli.RunAsync("cat", expected, "--repo", repo);
        Assert.True(cat.ExitCode == 0, cat.ToString());
        Assert.Equal(Encoding.UTF8.GetBytes(content), cat.StdoutBytes);
    }

    [Fact]
    public async Task Multi_chunk_file_round_trips_through_get_and_dag_export_import()
    {
        using var dir = new TempDir();
        var repo = await InitAsync(dir);
        var file = dir.Combine("big.bin");
        var bytes = DaemonTests.RandomBytes(1_300_000, 11);
        await File.WriteAllBytesAsync(file, bytes);

        var add = await ShoalCli.RunAsync("add", "--json", "--profile", "helia", file, "--repo", repo);
        Assert.True(add.ExitCode == 0, add.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(add.Stdout);
        var cid = json.RootElement.GetProperty("Hash").GetString()!;
        Assert.StartsWith("bafy", cid);
        Assert.Equal("1300000", json.RootElement.GetProperty("Size").GetString());

        var output = dir.Combine("out.bin");
        var get = await ShoalCli.RunAsync("get", cid, "-o", output, "--repo", repo);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(output));

        var export = await ShoalCli.RunAsync("dag", "export", cid, "--repo", repo);
        Assert.True(export.ExitCode == 0, export.ToString());
        var car = dir.Combine("x.car");
        await File.WriteAllBytesAsync(car, export.StdoutBytes);

        var other = dir.Combine("other");
        Assert.Equal(0, (await ShoalCli.RunAsync("init", "--repo", other, "--profile", "test")).ExitCode);
        var import = await ShoalCli.RunAsync("dag", "import", car, "--repo", other);
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains(cid, import.Stdout);
        Assert.Equal(bytes, (await ShoalCli.RunAsync("cat", cid, "--repo", other)).StdoutBytes);
        Assert.Contains(cid, (await ShoalCli.RunAsync("pin", "ls", "--repo", other)).Stdout);
    }

    [Fact]
    public async Task Block_put_get_stat_round_trip()
    {
        using var dir = new TempDir();
        var repo = await InitAsync(dir);
        var file = dir.Combine("block");
        await File.WriteAllTextAsync(file, "a raw block");
        var put = await ShoalCli.RunAsync("block", "put", file, "--repo", repo);
        Assert.True(put.ExitCode == 0, put.ToString());
        var cid = put.Stdout.Trim();
        Assert.Equal(Shoal.Core.Block.Compute("a raw block"u8.ToArray()).Cid.ToString(), cid);
        Assert.Equal("a raw block", (await ShoalCli.RunAsync("block", "get", cid, "--repo", repo)).Stdout);
        Assert.Contains("Size: 11", (await ShoalCli.RunAsync("block", "stat", cid, "--repo", repo)).Stdout);
    }

    [Fact]
    public async Task Bad_or_missing_cid_is_a_clear_error()
    {
        using var dir = new TempDir();
        var repo = await InitAsync(dir);
        var bad = await ShoalCli.RunAsync("cat", "not-a-cid", "--repo", repo);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("invalid CID", bad.Stderr);

        var missing = await ShoalCli.RunAsync("cat", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", "--repo", repo);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("not found", missing.Stderr);

        var network = await ShoalCli.RunAsync("swarm", "peers", "--repo", repo);
        Assert.Equal(1, network.ExitCode);
        Assert.Contains("running daemon", network.Stderr);
    }

    [Fact]
    public async Task Restarted_daemon_keeps_blocks_and_identity()
    {
        using var dir = new TempDir();
        var repo = await InitAsync(dir);
        string cid, id;
        await using (var first = await DaemonProcess.StartAsync(repo))
        {
            cid = (await first.Api.AddAsync(new MemoryStream("kept across restarts"u8.ToArray()), "k", new AddOptions())).Hash;
            id = first.Info.Id;
            Assert.Equal(0, await first.StopAsync());
        }
        await using var second = await DaemonProcess.StartAsync(repo);
        Assert.Equal(id, second.Info.Id);
        Assert.Equal("kept across restarts", (await second.CliAsync("cat", cid)).Stdout);
    }
}
