using System.Security.Cryptography;
using Xunit.Abstractions;

namespace Shoal.Dht.Tests;

public sealed class LookupNetworkTests(ITestOutputHelper output)
{
    private const int NetworkSize = 200;

    // log2(200) ≈ 7.6 is the classic Kademlia bound on sequential hops; with k=20 buckets and α=10 the
    // measured worst case is far lower, so a regression in routing shows up long before this trips.
    private const int MaxHops = 4;

    private static byte[] ContentMultihash(int i)
    {
        var key = new byte[34];
        key[0] = 0x12;
        key[1] = 0x20;
        SHA256.HashData(BitConverter.GetBytes(i), key.AsSpan(2));
        return key;
    }

    [Fact]
    public void Every_node_finds_a_provider_within_bounded_hops()
    {
        var net = SimulatedNetwork.Build(NetworkSize, seed: 1);
        var random = new Random(2);
        var keys = Enumerable.Range(0, 3).Select(ContentMultihash).ToArray();
        var providers = keys.Select(_ => net.Nodes[random.Next(NetworkSize)]).ToArray();
        for (int i = 0; i < keys.Length; i++)
        {
            Assert.Equal(DhtConstants.BucketSize, net.Provide(providers[i], keys[i]));
        }

        int worstHops = 0;
        long messages = net.Messages;
        for (int i = 0; i < keys.Length; i++)
        {
            foreach (var node in net.Nodes)
            {
                var result = net.RunLookup(node, LookupKind.GetProviders, keys[i], maxProviders: 1);
                Assert.Contains(result.Providers, p => p.Id.Equals(providers[i].Id));
                Assert.Equal(providers[i].Addresses, result.Providers.First(p => p.Id.Equals(providers[i].Id)).Addresses);
                if (!result.FoundLocally)
                {
                    Assert.Equal(LookupEndReason.EnoughProviders, result.Lookup.EndReason);
                    worstHops = Math.Max(worstHops, result.Lookup.FirstProviderHops);
                }
            }
        }
        output.WriteLine($"worst hops {worstHops}, {(net.Messages - messages) / (double)(keys.Length * NetworkSize):F1} requests per lookup");
        Assert.InRange(worstHops, 1, MaxHops);
    }

    [Fact]
    public void Find_node_converges_on_the_true_closest_peers()
    {
        var net = SimulatedNetwork.Build(NetworkSize, seed: 3);
        for (int i = 0; i < 20; i++)
        {
            var key = ContentMultihash(1000 + i);
            var result = net.RunLookup(net.Nodes[i * 7], LookupKind.FindNode, key);
            Assert.Equal(LookupEndReason.Converged, result.Lookup.EndReason);
            var expected = net.TrueClosest(key, DhtConstants.BucketSize + 1).Where(p => !p.Equals(net.Nodes[i * 7].Id)).Take(DhtConstants.BucketSize);
            Assert.Equal(expected, result.Lookup.ClosestPeers().Select(p => p.Id));
        }
    }

    [Fact]
    public void Lookup_survives_30_percent_of_nodes_dead()
    {
        var net = SimulatedNetwork.Build(NetworkSize, seed: 4);
        var random = new Random(5);
        var key = ContentMultihash(7);
        var provider = net.Nodes[random.Next(NetworkSize)];
        Assert.Equal(DhtConstants.BucketSize, net.Provide(provider, key));

        // Kill 30% of the nodes, never the provider; their routing table entries stay (nobody noticed yet).
        var victims = net.Nodes.Where(n => n != provider).OrderBy(_ => random.Next()).Take(NetworkSize * 3 / 10).ToList();
        foreach (var victim in victims) victim.Dead = true;

        // Ask for more providers than exist, so every lookup runs to convergence through the dead nodes' timeouts.
        int timeouts = 0;
        TimeSpan slowest = TimeSpan.Zero;
        foreach (var node in net.Nodes.Where(n => !n.Dead && n != provider))
        {
            var result = net.RunLookup(node, LookupKind.GetProviders, key, maxProviders: 2);
            Assert.Contains(result.Providers, p => p.Id.Equals(provider.Id));
            if (!result.FoundLocally)
            {
                // Converged, or Exhausted when dead peers crowd the k slots of every answer: both must have
                // reached the closest live peers.
                Assert.Contains(result.Lookup.EndReason, new[] { LookupEndReason.Converged, LookupEndReason.Exhausted });
                AssertReachedClosestLive(net, node, key, result.Lookup);
                timeouts += result.Lookup.Failures;
            }
            if (result.Elapsed > slowest) slowest = result.Elapsed;
        }
        output.WriteLine($"{timeouts} timed-out requests ({net.RequestsToDead} to dead nodes) across {NetworkSize - victims.Count - 1} lookups; slowest {slowest.TotalSeconds:F1} s virtual");
        Assert.True(timeouts > 0, "dead nodes were never asked: the test did not exercise failures");

        // Once the askers evicted the dead peers they timed out on, FIND_NODE converges on the closest live peers.
        var asker = net.Nodes.First(n => !n.Dead);
        var closest = net.RunLookup(asker, LookupKind.FindNode, key);
        AssertReachedClosestLive(net, asker, key, closest.Lookup);
        Assert.InRange(closest.Lookup.ClosestPeers().Count, DhtConstants.BucketSize / 2, DhtConstants.BucketSize);
    }

    private static void AssertReachedClosestLive(SimulatedNetwork net, SimulatedNetwork.Node asker, byte[] key, Lookup lookup)
    {
        var reached = lookup.ClosestPeers().Select(p => p.Id).ToList();
        Assert.NotEmpty(reached);
        var expected = net.TrueClosest(key, DhtConstants.BucketSize + 1).Where(p => !p.Equals(asker.Id)).Take(reached.Count);
        Assert.Equal(expected, reached);
    }
}
