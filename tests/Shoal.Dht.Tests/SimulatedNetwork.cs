using Shoal.Net;

namespace Shoal.Dht.Tests;

/// <summary>Builds <see cref="SimulatedDhtNetwork"/>s for tests: random ids, 5-40 ms one-way latency, joined one by one.</summary>
internal static class SimulatedNetwork
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static PeerId RandomPeerId(Random random)
    {
        var bytes = new byte[34];
        bytes[0] = 0x12;
        bytes[1] = 0x20;
        random.NextBytes(bytes.AsSpan(2));
        return PeerId.FromBytes(bytes);
    }

    /// <summary>
    /// A network where each node joined through the first one with a self lookup, then every node ran one more
    /// self lookup (as the periodic refresh does), which fills the tables of early joiners.
    /// </summary>
    public static (SimulatedDhtNetwork Network, List<SimulatedDhtNode> Nodes) Build(int count, int seed)
    {
        var random = new Random(seed);
        var latency = new Random(seed + 1);
        var network = new SimulatedDhtNetwork((_, _) => TimeSpan.FromMilliseconds(latency.Next(5, 40)));
        var nodes = new List<SimulatedDhtNode>(count);
        for (int i = 0; i < count; i++)
        {
            nodes.Add(network.AddNode(RandomPeerId(random), [Multiaddr.Parse($"/ip4/10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}/tcp/4001")], Start));
        }
        for (int i = 1; i < count; i++) network.Join(nodes[i], nodes[0], Start);
        foreach (var node in nodes) network.Lookup(node, LookupKind.FindNode, node.Id.Bytes, Start);
        return (network, nodes);
    }

    /// <summary>The <paramref name="count"/> live nodes truly closest to a key, by brute force.</summary>
    public static List<PeerId> TrueClosest(IEnumerable<SimulatedDhtNode> nodes, ReadOnlySpan<byte> key, int count, PeerId? exclude)
    {
        var target = KadKey.Hash(key);
        var live = nodes.Where(n => !n.Dead && !n.Id.Equals(exclude)).Select(n => (n.Id, Key: KadKey.Hash(n.Id.Bytes.Span))).ToList();
        live.Sort((a, b) => target.CompareDistance(a.Key, b.Key));
        return live.Take(count).Select(x => x.Id).ToList();
    }
}
