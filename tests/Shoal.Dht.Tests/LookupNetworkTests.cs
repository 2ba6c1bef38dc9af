using System.Security.Cryptography;
using Xunit.Abstractions;

namespace Shoal.Dht.Tests;

/// <summary>Lookups across 200 nodes of the real cores on virtual time (<see cref="SimulatedDhtNetwork"/>).</summary>
public sealed class LookupNetworkTests(ITestOutputHelper output)
{
    private const int NetworkSize = 200;

    // log2(200) ≈ 7.6 is the classic Kademlia bound on sequential hops; with k=20 buckets and α=10 the measured
    // worst case is 3, so a regression in routing shows up long before the classic bound would.
    private const int MaxHops = 4;

    private static readonly DateTimeOffset Later = SimulatedNetwork.Start.AddMinutes(5);

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
        var (net, nodes) = SimulatedNetwork.Build(NetworkSize, seed: 1);
        var random = new Random(2);
        var keys = Enumerable.Range(0, 3).Select(ContentMultihash).ToArray();
        var providers = keys.Select(_ => nodes[random.Next(NetworkSize)]).ToArray();
        for (int i = 0; i < keys.Length; i++)
        {
            Assert.Equal(DhtConstants.BucketSize, net.Provide(providers[i], keys[i], Later).RecordsStored);
        }

        int worstHops = 0, lookups = 0;
        long requests = net.Requests;
        for (int i = 0; i < keys.Length; i++)
        {
            foreach (var node in nodes)
            {
                var result = net.FindProviders(node, keys[i], maxProviders: 1, Later);
                var provider = Assert.Single(result.Providers);
                Assert.Equal(providers[i].Id, provider.Id);
                Assert.Equal(providers[i].Addresses, provider.Addresses);
                if (!result.FoundLocally)
                {
                    Assert.Equal(LookupEndReason.EnoughProviders, result.EndReason);
                    worstHops = Math.Max(worstHops, result.FirstProviderHops);
                    lookups++;
                }
            }
        }
        output.WriteLine($"{lookups} lookups; worst hops {worstHops}; {(net.Requests - requests) / (double)lookups:F1} requests per lookup");
        Assert.InRange(worstHops, 1, MaxHops);
    }

    [Fact]
    public void Find_node_converges_on_the_true_closest_peers()
    {
        var (net, nodes) = SimulatedNetwork.Build(NetworkSize, seed: 3);
        for (int i = 0; i < 20; i++)
        {
            var key = ContentMultihash(1000 + i);
            var origin = nodes[i * 7];
            var result = net.Lookup(origin, LookupKind.FindNode, key, Later);
            Assert.Equal(LookupEndReason.Converged, result.EndReason);
            Assert.Equal(SimulatedNetwork.TrueClosest(nodes, key, DhtConstants.BucketSize, origin.Id), result.ClosestPeers.Select(p => p.Id));
        }
    }

    [Fact]
    public void Lookup_survives_30_percent_of_nodes_dead()
    {
        var (net, nodes) = SimulatedNetwork.Build(NetworkSize, seed: 4);
        var random = new Random(5);
        var key = ContentMultihash(7);
        var provider = nodes[random.Next(NetworkSize)];
        Assert.Equal(DhtConstants.BucketSize, net.Provide(provider, key, Later).RecordsStored);

        // Kill 30% of the nodes, never the provider; their routing table entries stay (nobody noticed yet).
        var victims = nodes.Where(n => n != provider).OrderBy(_ => random.Next()).Take(NetworkSize * 3 / 10).ToList();
        foreach (var victim in victims) victim.Dead = true;

        // Ask for more providers than exist, so every lookup runs to its end through the dead nodes' timeouts.
        int timeouts = 0;
        TimeSpan slowest = TimeSpan.Zero;
        foreach (var node in nodes.Where(n => !n.Dead && n != provider))
        {
            var result = net.FindProviders(node, key, maxProviders: 2, Later);
            Assert.Equal(provider.Id, Assert.Single(result.Providers).Id);
            if (!result.FoundLocally)
            {
                // Converged, or Exhausted when dead peers crowd the k slots of every answer: both must have
                // reached the closest live peers.
                Assert.Contains(result.EndReason, new[] { LookupEndReason.Converged, LookupEndReason.Exhausted });
                AssertReachedClosestLive(nodes, node, key, result);
                timeouts += result.Failures;
            }
            if (result.Elapsed > slowest) slowest = result.Elapsed;
        }
        output.WriteLine($"{timeouts} timed-out requests ({net.RequestsToDead} to dead nodes) across {NetworkSize - victims.Count - 1} lookups; slowest {slowest.TotalSeconds:F1} s virtual");
        Assert.True(timeouts > 0, "dead nodes were never asked: the test did not exercise failures");

        // Once the askers evicted the dead peers they timed out on, FIND_NODE reaches the closest live peers.
        var asker = nodes.First(n => !n.Dead);
        var closest = net.Lookup(asker, LookupKind.FindNode, key, Later);
        AssertReachedClosestLive(nodes, asker, key, closest);
        Assert.InRange(closest.ClosestPeers.Count, DhtConstants.BucketSize / 2, DhtConstants.BucketSize);
    }

    private static void AssertReachedClosestLive(List<SimulatedDhtNode> nodes, SimulatedDhtNode asker, byte[] key, SimulatedLookupResult result)
    {
        var reached = result.ClosestPeers.Select(p => p.Id).ToList();
        Assert.NotEmpty(reached);
        Assert.Equal(SimulatedNetwork.TrueClosest(nodes, key, reached.Count, asker.Id), reached);
    }
}
