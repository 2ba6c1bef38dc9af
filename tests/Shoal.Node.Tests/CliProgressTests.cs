namespace Shoal.Node.Tests;

public class CliProgressTests
{
    [Fact]
    public async Task Cat_and_get_from_the_network_draw_progress_on_stderr_and_keep_stdout_the_file()
    {
        var (seeder, leecher) = await BitswapTransferTests.StartPairAsync();
        await using var seederLease = seeder;
        await using var leecherLease = leecher;
        var bytes = DaemonTests.RandomBytes(1_200_000, 71);
        var cid = (await seeder.Api.AddAsync(new MemoryStream(bytes), "p.bin", new AddOptions())).Hash;

        var cat = await leecher.CliAsync("cat", cid, "--progress");
        Assert.True(cat.ExitCode == 0, cat.ToString());
        Assert.Equal(bytes, cat.StdoutBytes);
        Assert.Contains($"cat {cid[..12]}", cat.Stderr);
        Assert.Contains("100%", cat.Stderr);
        Assert.Contains("MiB", cat.Stderr); // bytes column: 1.1 MiB

        using var dir = new TempDir();
        var target = dir.Combine("out.bin");
        var other = DaemonTests.RandomBytes(900_000, 72);
        var otherCid = (await seeder.Api.AddAsync(new MemoryStream(other), "q.bin", new AddOptions())).Hash;
        ShoalCli.Result get;
        try { get = await leecher.CliAsync("get", otherCid, "-o", target, "--progress"); }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nleecher {await leecher.DescribeAsync()}\nseeder {await seeder.DescribeAsync()}", e);
        }
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(other, await File.ReadAllBytesAsync(target));
        Assert.Contains("100%", get.Stderr);
        Assert.DoesNotContain("100%", get.Stdout);

        // Without --progress and with stderr redirected (not a terminal), nothing is drawn.
        var quiet = await leecher.CliAsync("cat", cid);
        Assert.Equal(bytes, quiet.StdoutBytes);
        Assert.DoesNotContain("100%", quiet.Stderr);
    }
}
