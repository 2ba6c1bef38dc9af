namespace Shoal.Node.Tests;

public class DhtTests
{
    [Fact]
    public async Task Third_daemon_finds_the_provider_through_the_dht_and_fetches_the_file()
    {
        await using var a = await DaemonProcess.StartAsync();
        await using var b = await DaemonProcess.StartAsync(extraArgs: ["--bootstrap", a.Info.Addresses[0] + "/p2p/" + a.Info.Id]);
        // C knows only B; A must come from the DHT.
        await using var c = await DaemonProcess.StartAsync(extraArgs: ["--bootstrap", b.Info.Addresses[0] + "/p2p/" + b.Info.Id]);

        var bytes = DaemonTests.RandomBytes(900_000, 31);
        var cid = (await a.Api.AddAsync(new MemoryStream(bytes), "dht.bin", new AddOptions())).Hash;
        var provide = await a.CliAsync("routing", "provide", cid);
        Assert.True(provide.ExitCode == 0, provide.ToString());

        var found = await c.CliAsync("routing", "findprovs", cid);
        Assert.True(found.ExitCode == 0, found.ToString());
        Assert.Contains(a.Info.Id, found.Stdout);

        var cat = await c.CliAsync("cat", cid);
        Assert.True(cat.ExitCode == 0, cat.ToString());
        Assert.Equal(bytes, cat.StdoutBytes);
    }
}
