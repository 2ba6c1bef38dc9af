using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Shoal.Dht;
using Shoal.Net;

namespace Shoal.Benchmarks;

/// <summary>
/// CPU and allocation cost of whole lookups over 1,000 simulated nodes (real cores and codec, virtual time): what the
/// Lab pays per DHT query when it simulates a large cluster.
/// </summary>
[MemoryDiagnoser]
public class DhtLookupBenchmarks
{
    private const int Nodes = 1000;
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private SimulatedDhtNetwork _network = null!;
    private List<SimulatedDhtNode> _nodes = null!;
    private byte[][] _keys = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _network = new SimulatedDhtNetwork((_, _) => TimeSpan.FromMilliseconds(20));
        _nodes = new List<SimulatedDhtNode>(Nodes);
        for (int i = 0; i < Nodes; i++)
        {
            var id = new byte[34];
            id[0] = 0x12;
            id[1] = 0x20;
            random.NextBytes(id.AsSpan(2));
            _nodes.Add(_network.AddNode(PeerId.FromBytes(id), [Multiaddr.Parse($"/ip4/10.0.{i / 256}.{i % 256}/tcp/4001")], Start));
        }
        for (int i = 1; i < Nodes; i++) _network.Join(_nodes[i], _nodes[0], Start);
        _keys = new byte[64][];
        for (int i = 0; i < _keys.Length; i++)
        {
            _keys[i] = new byte[34];
            _keys[i][0] = 0x12;
            _keys[i][1] = 0x20;
            SHA256.HashData(BitConverter.GetBytes(i), _keys[i].AsSpan(2));
            _network.Provide(_nodes[random.Next(Nodes)], _keys[i], Start);
        }
    }

    [Benchmark]
    public int FindNode()
    {
        int i = _next++;
        return _network.Lookup(_nodes[(i * 37) % Nodes], LookupKind.FindNode, _keys[i & 63], Start).Requests;
    }

    [Benchmark]
    public int FindFirstProvider()
    {
        int i = _next++;
        return _network.FindProviders(_nodes[(i * 37) % Nodes], _keys[i & 63], 1, Start).Requests;
    }
}
