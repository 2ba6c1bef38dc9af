using System.Text.Json;

namespace Shoal.Node.Tests;

public class DaemonTests
{
    [Fact]
    public async Task Daemon_reports_its_ports_and_writes_the_api_file()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        Assert.StartsWith("http://127.0.0.1:", daemon.Info.Api);
        Assert.NotNull(daemon.Info.Gateway);
        var apiFile = await File.ReadAllTextAsync(Path.Combine(daemon.Repo, "api"));
        Assert.Equal(ListenEndpoint.Parse(apiFile).ToHttpUrl(), daemon.Info.Api);

        var id = await daemon.CliAsync("id", "--json");
        Assert.True(id.ExitCode == 0, id.ToString());
        using var doc = JsonDocument.Parse(id.Stdout);
        foreach (var key in new[] { "ID", "PublicKey", "Addresses", "AgentVersion", "Protocols" })
            Assert.True(doc.RootElement.TryGetProperty(key, out _), $"id --json lacks {key}: {id.Stdout}");
        Assert.StartsWith("shoal/", doc.RootElement.GetProperty("AgentVersion").GetString());
    }

    [Fact]
    public async Task Sigterm_stops_the_daemon_gracefully_and_removes_the_api_file()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        Assert.Equal(0, await daemon.StopAsync());
        Assert.False(File.Exists(Path.Combine(daemon.Repo, "api")));
        Assert.False(File.Exists(Path.Combine(daemon.Repo, "daemon.json")));
    }

    [Fact]
    public async Task Second_daemon_on_the_same_repo_is_refused()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        var second = await ShoalCli.RunAsync("daemon", "--repo", daemon.Repo);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("already running", second.Stderr);
    }

    [Fact]
    public async Task Add_cat_pin_and_gc_through_the_daemon_api()
    {
        await using var daemon = await DaemonProcess.StartAsync();
        using var dir = new TempDir();
        var pinnedFile = dir.Combine("pinned.bin");
        var looseFile = dir.Combine("loose.bin");
        await File.WriteAllBytesAsync(pinnedFile, RandomBytes(700_000, 1));
        await File.WriteAllBytesAsync(looseFile, RandomBytes(300_000, 2));

        var added = await daemon.CliAsync("add", "-q", pinnedFile);
        Assert.True(added.ExitCode == 0, added.ToString());
        var pinned = added.Stdout.Trim();
        var loose = (await daemon.CliAsync("add", "-q", "--no-pin", looseFile)).Stdout.Trim();

        var cat = await daemon.CliAsync("cat", pinned);
        Assert.Equal(await File.ReadAllBytesAsync(pinnedFile), cat.StdoutBytes);

        var pins = await daemon.CliAsync("pin", "ls");
        Assert.Contains(pinned, pins.Stdout);
        Assert.DoesNotContain(loose, pins.Stdout);

        var gc = await daemon.CliAsync("repo", "gc", "--json");
        Assert.True(gc.ExitCode == 0, gc.ToString());
        using (var doc = JsonDocument.Parse(gc.Stdout))
            Assert.True(doc.RootElement.GetProperty("Removed").GetArrayLength() >= 2, gc.Stdout); // loose root + its leaves

        // The pinned file and every block under it survive; the unpinned one is gone.
        Assert.Equal(await File.ReadAllBytesAsync(pinnedFile), (await daemon.CliAsync("cat", pinned)).StdoutBytes);
        var gone = await daemon.CliAsync("cat", loose);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("not found", gone.Stderr);

        // Unpinning makes it collectable too.
        Assert.Equal(0, (await daemon.CliAsync("pin", "rm", pinned)).ExitCode);
        await daemon.CliAsync("repo", "gc");
        var stat = await daemon.Api.RepoStatAsync();
        Assert.Equal(0, stat.NumObjects);
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
