using System.Net;
using Shoal.Core;

namespace Shoal.Registry.Tests;

/// <summary>Several mirrors on one swarm with a real docker-registry upstream: blobs travel peer to peer as
/// UnixFS DAGs, the upstream is asked once, and lying peers are caught.</summary>
public sealed class SwarmPullTests : IAsyncLifetime
{
    private const string Repo = "swarm/image";
    private DockerRegistryProcess _registry = null!;
    // Layers of several 1 MiB chunks, so one layer's parts can come from several peers.
    private readonly TestImage _image = TestImage.Generate(seed: 41, 4_500_000, 2_100_000, 300_000);

    public async Task InitializeAsync()
    {
        _registry = await DockerRegistryProcess.StartAsync();
        using var pusher = new OciPusher(_registry.Url);
        await pusher.PushAsync(Repo, _image, "v1");
    }

    public async Task DisposeAsync() => await _registry.DisposeAsync();

    [Fact]
    public async Task First_pull_goes_upstream_and_the_others_get_every_blob_from_peers()
    {
        await using var cluster = new SwarmCluster();
        var mirrors = new List<RegistryMirrorHost>();
        foreach (var peer in new[] { "A", "B", "C" })
        {
            var mirror = await cluster.AddMirrorAsync(peer, _registry.Url);
            mirrors.Add(mirror);
            await ImagePull.PullAndVerifyAsync(mirror, Repo, _image, "v1");
        }
        // The upstream's own access log: each blob was downloaded from it exactly once.
        foreach (var blob in _image.Blobs)
        {
            await _registry.WaitForBlobGetsAsync(blob.Digest, 1, TimeSpan.FromSeconds(10));
            Assert.Equal(1, _registry.BlobGets(blob.Digest));
        }
        Assert.Equal(_image.Blobs.Count(), mirrors[0].Metrics.BlobsFromUpstream);
        foreach (var later in mirrors.Skip(1))
        {
            Assert.Equal(0, later.Metrics.BlobsFromUpstream);
            Assert.Equal(_image.Blobs.Count(), later.Metrics.BlobsFromPeers);
            Assert.Equal(_image.Blobs.Sum(b => (long)b.Content.Length), later.Metrics.BytesFromPeers);
        }
        // C's blobs were announced by A and B, and both served parts of them.
        Assert.True(cluster.Swarm.BlocksServed("A") > 0 && cluster.Swarm.BlocksServed("B") > 0,
            $"A served {cluster.Swarm.BlocksServed("A")} blocks, B {cluster.Swarm.BlocksServed("B")}");
        foreach (var blob in _image.Blobs)
            Assert.Equal(3, cluster.Swarm.ProvidersOf(OciDigest.Parse(blob.Digest)).Count);
    }

    [Fact]
    public async Task With_the_upstream_stopped_a_second_mirror_pulls_manifests_and_blobs_from_peers()
    {
        await using var cluster = new SwarmCluster();
        var first = await cluster.AddMirrorAsync("A", _registry.Url);
        await ImagePull.PullAndVerifyAsync(first, Repo, _image, "v1");
        await _registry.DisposeAsync();

        var second = await cluster.AddMirrorAsync("B", _registry.Url);
        using var client = MirrorClient.For(second);
        await ImagePull.PullAndVerifyAsync(client, Repo, _image, tag: null); // the tag needs the upstream; digests do not
        Assert.Equal(_image.Blobs.Count(), second.Metrics.BlobsFromPeers);
        Assert.Equal(2, second.Metrics.ManifestsFromPeers);

        // A range of a blob this node never pulled is still answered, from peers, after verification.
        var third = await cluster.AddMirrorAsync("C", _registry.Url);
        using var c3 = MirrorClient.For(third);
        var layer = _image.Layers[0];
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{Repo}/blobs/{layer.Digest}");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(2_000_000, 3_100_000);
        using var partial = await c3.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(layer.Content.AsSpan(2_000_000, 1_100_001).ToArray(), await partial.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_peer_announcing_the_wrong_dag_is_caught_the_response_aborted_and_the_next_pull_succeeds()
    {
        await using var cluster = new SwarmCluster();
        var layer = _image.Layers[1];
        var digest = OciDigest.Parse(layer.Digest);
        // The liar holds a valid DAG of other bytes, same length, and claims it is the layer.
        var liar = cluster.AddPeer("liar");
        var garbage = new byte[layer.Content.Length];
        new Random(99).NextBytes(garbage);
        var fake = await UnixFsImporter.ImportAsync(garbage, cluster.Stores["liar"], DagBlobSwarm.ImportOptions);
        cluster.Swarm.Announce("liar", digest, fake.Root, layer.Content.Length);

        var mirror = await cluster.AddMirrorAsync("B", _registry.Url);
        using var client = MirrorClient.For(mirror);
        using (var response = await client.GetAsync($"/v2/{Repo}/blobs/{layer.Digest}", HttpCompletionOption.ResponseHeadersRead))
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                // Headers went out while bytes streamed from the peer: the connection must be aborted.
                var read = new MemoryStream();
                var error = await Record.ExceptionAsync(() => response.Content.CopyToAsync(read));
                Assert.NotNull(error); // the client never gets a complete, wrong blob
                Assert.True(read.Length < layer.Content.Length, $"client read {read.Length} of {layer.Content.Length}");
            }
            else
            {
                // Verification failed before the first byte was written: a plain error instead.
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }
        }
        await mirror.Mirror.Downloads.IdleAsync().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(1, mirror.Metrics.DigestMismatches);
        Assert.True(cluster.Swarm.Score("liar") < 0);
        Assert.DoesNotContain("liar", cluster.Swarm.ProvidersOf(digest)); // mapping dropped

        // Next request: no peer is believed any more, so the upstream serves it, verified.
        var bytes = await client.GetByteArrayAsync($"/v2/{Repo}/blobs/{layer.Digest}");
        Assert.Equal(layer.Content, bytes);
        await mirror.Mirror.Downloads.IdleAsync().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(1, mirror.Metrics.BlobsFromUpstream);
        Assert.Contains("B", cluster.Swarm.ProvidersOf(digest));
    }

    [Fact]
    public async Task A_peer_sending_corrupted_blocks_is_routed_around_and_the_pull_succeeds_from_others()
    {
        await using var cluster = new SwarmCluster();
        var a = await cluster.AddMirrorAsync("A", _registry.Url);
        var c = await cluster.AddMirrorAsync("C", _registry.Url);
        await ImagePull.PullAndVerifyAsync(a, Repo, _image, "v1");
        await ImagePull.PullAndVerifyAsync(c, Repo, _image, "v1");
        // C now flips a byte in every block it sends.
        cluster.Swarm.SetBlockServer("C", (_, data) =>
        {
            if (data is not { Length: > 0 } d) return data;
            var copy = d.ToArray();
            copy[copy.Length / 2] ^= 0xFF;
            return copy;
        });
        await _registry.DisposeAsync(); // and there is no upstream to fall back to

        var b = await cluster.AddMirrorAsync("B", _registry.Url);
        using var client = MirrorClient.For(b);
        await ImagePull.PullAndVerifyAsync(client, Repo, _image, tag: null);
        Assert.True(cluster.Swarm.BadBlocksReceived("B") > 0, "B should have been sent corrupted blocks by C");
        Assert.True(cluster.Swarm.Score("C") < 0);
        Assert.Equal(0, b.Metrics.DigestMismatches); // caught per block, before any byte reached the blob
        Assert.Equal(_image.Blobs.Count(), b.Metrics.BlobsFromPeers);
    }
}
