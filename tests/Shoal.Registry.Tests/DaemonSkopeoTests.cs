using Shoal.Node;
using NodeMirrorHost = Shoal.Node.RegistryMirrorHost;

namespace Shoal.Registry.Tests;

/// <summary>The headline proof with every part real: a docker-registry upstream, three Shoal daemons (libp2p,
/// Bitswap, the mirror), and skopeo pulling through each daemon in turn.</summary>
public sealed class DaemonSkopeoTests : IAsyncLifetime
{
    private const string Repo = "daemons/image";
    private readonly TempDirectory _dir = new();
    private readonly TestImage _image = TestImage.Generate(seed: 83, 2_500_000, 3_100_000, 700_000);
    private DockerRegistryProcess _registry = null!;

    public async Task InitializeAsync()
    {
        _registry = await DockerRegistryProcess.StartAsync();
        using var pusher = new OciPusher(_registry.Url);
        await pusher.PushAsync(Repo, _image, "v1");
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<ShoalDaemon> StartDaemonAsync(string name)
    {
        var repo = RepoInitializer.Init(_dir.Sub(name), new InitOptions
        {
            Configure = c =>
            {
                c.Addresses.Api = "127.0.0.1:0";
                c.Addresses.Gateway = "";
                c.Addresses.Swarm = ["/ip4/127.0.0.1/tcp/0"];
                c.Bootstrap = [];
                c.Dht.Mode = "off";
                c.Registry.Listen = "127.0.0.1:0";
                c.Registry.Upstream = _registry.Url.ToString();
            },
        });
        return await ShoalDaemon.StartAsync(repo, ConfigLoader.Load(repo.FindConfigFile()!), CancellationToken.None);
    }

    [Fact]
    public async Task Skopeo_through_three_daemons_in_turn_takes_each_blob_from_the_upstream_once_and_the_rest_from_peers()
    {
        var daemons = new List<ShoalDaemon>();
        try
        {
            for (var i = 0; i < 3; i++) daemons.Add(await StartDaemonAsync("daemon" + i));
            for (var i = 1; i < daemons.Count; i++)
                for (var j = 0; j < i; j++)
                    await daemons[i].Node.SwarmConnectAsync($"{daemons[j].Node.ListenAddresses[0]}/p2p/{daemons[j].Node.PeerId}");

            for (var i = 0; i < daemons.Count; i++)
            {
                var layout = Path.Combine(_dir.Path, "layout" + i);
                var host = new Uri(daemons[i].Info.Registry!).Authority;
                await Skopeo.CopyAsync($"docker://{host}/{Repo}:v1", "oci:" + layout, TimeSpan.FromSeconds(40));
                await NodeMirrorHost.MirrorOf(daemons[i].Node)!.Downloads.IdleAsync().WaitAsync(TimeSpan.FromSeconds(20));
                var blobs = Skopeo.VerifiedLayoutBlobs(layout);
                foreach (var b in _image.Blobs.Append(_image.Manifest).Append(_image.Index)) Assert.Contains(b.Digest, blobs);
            }

            // The upstream's own access log: every blob was served by it once, to the first daemon.
            foreach (var blob in _image.Blobs) Assert.Equal(1, _registry.BlobGets(blob.Digest));
            var mirrors = daemons.Select(d => NodeMirrorHost.MirrorOf(d.Node)!).ToList();
            Assert.Equal(_image.Blobs.Count(), mirrors[0].Metrics.BlobsFromUpstream);
            Assert.All(mirrors.Skip(1), m => Assert.Equal(0, m.Metrics.BlobsFromUpstream));
            Assert.All(mirrors.Skip(1), m => Assert.Equal(_image.Blobs.Count(), m.Metrics.BlobsFromPeers));
        }
        finally
        {
            foreach (var d in daemons) await d.DisposeAsync();
        }
    }
}
