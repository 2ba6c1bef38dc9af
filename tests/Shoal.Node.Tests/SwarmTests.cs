using System.Text.Json;

namespace Shoal.Node.Tests;

public class SwarmTests
{
    [Fact]
    public async Task Two_daemons_connect_ping_and_identify_each_other()
    {
        await using var a = await DaemonProcess.StartAsync();
        await using var b = await DaemonProcess.StartAsync();
        var address = a.Info.Addresses[0] + "/p2p/" + a.Info.Id;

        var connect = await b.CliAsync("swarm", "connect", address);
        Assert.True(connect.ExitCode == 0, connect.ToString());
        Assert.Contains(a.Info.Id, (await b.CliAsync("swarm", "peers")).Stdout);

        var ping = await b.CliAsync("ping", address, "--count", "2");
        Assert.True(ping.ExitCode == 0, ping.ToString());
        Assert.Equal(2, ping.Stdout.Split('\n').Count(l => l.StartsWith("Pong received", StringComparison.Ordinal)));

        var identify = await b.CliAsync("swarm", "identify", a.Info.Id, "--json");
        Assert.True(identify.ExitCode == 0, identify.ToString());
        using var doc = JsonDocument.Parse(identify.Stdout);
        Assert.Equal(a.Info.Id, doc.RootElement.GetProperty("ID").GetString());
        Assert.Contains(doc.RootElement.GetProperty("Protocols").EnumerateArray(), p => p.GetString() == "/ipfs/ping/1.0.0");
    }
}
