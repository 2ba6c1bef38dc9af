namespace Shoal.Node.Tests;

public class InitCommandTests
{
    [Fact]
    public async Task Init_creates_config_identity_and_block_store()
    {
        using var dir = new TempDir();
        var repo = dir.Combine("repo");
        var result = await ShoalCli.RunAsync("init", "--repo", repo);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(repo, "config.json")));
        Assert.True(File.Exists(Path.Combine(repo, "identity.key")));
        Assert.True(Directory.Exists(Path.Combine(repo, "blocks")));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(repo, "identity.key")));
    }

    [Fact]
    public async Task Init_refuses_to_overwrite_without_force()
    {
        using var dir = new TempDir();
        var repo = dir.Combine("repo");
        Assert.Equal(0, (await ShoalCli.RunAsync("init", "--repo", repo)).ExitCode);
        var key = await File.ReadAllBytesAsync(Path.Combine(repo, "identity.key"));

        var again = await ShoalCli.RunAsync("init", "--repo", repo);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Stderr);
        Assert.Equal(key, await File.ReadAllBytesAsync(Path.Combine(repo, "identity.key")));

        var forced = await ShoalCli.RunAsync("init", "--repo", repo, "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.NotEqual(key, await File.ReadAllBytesAsync(Path.Combine(repo, "identity.key")));
    }

    [Fact]
    public async Task Repo_comes_from_SHOAL_REPO_when_no_flag_is_given()
    {
        using var dir = new TempDir();
        var repo = dir.Combine("from-env");
        var result = await ShoalCli.RunAsync(["init", "--yaml"], new Dictionary<string, string> { ["SHOAL_REPO"] = repo });
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(repo, "config.yaml")));
    }

    [Fact]
    public async Task Bad_config_exits_non_zero_naming_the_key()
    {
        using var dir = new TempDir();
        var repo = dir.Combine("repo");
        Assert.Equal(0, (await ShoalCli.RunAsync("init", "--repo", repo, "--yaml")).ExitCode);
        await File.WriteAllTextAsync(Path.Combine(repo, "config.yaml"), "Dht:\n  Mode: sometimes\n");
        var result = await ShoalCli.RunAsync("config", "validate", "--repo", repo);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Dht.Mode", result.Stderr);

        await File.WriteAllTextAsync(Path.Combine(repo, "config.yaml"), "Dht:\n  Mode: client\n");
        var env = await ShoalCli.RunAsync(["config", "validate", "--repo", repo], new Dictionary<string, string> { ["SHOAL_API_ADDRESS"] = "everywhere" });
        Assert.Equal(1, env.ExitCode);
        Assert.Contains("Addresses.Api", env.Stderr);
        Assert.Contains("SHOAL_API_ADDRESS", env.Stderr);
    }

    [Fact]
    public async Task Commands_on_a_missing_repo_say_to_run_init()
    {
        using var dir = new TempDir();
        var result = await ShoalCli.RunAsync("config", "show", "--repo", dir.Combine("nothing"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("shoal init", result.Stderr);
    }
}
