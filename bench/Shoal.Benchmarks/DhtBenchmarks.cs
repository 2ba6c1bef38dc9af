using System.Buffers;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Shoal.Dht;
using Shoal.Dht.Wire;
using Shoal.Net;

namespace Shoal.Benchmarks;

/// <summary>The DHT's hot paths: keyspace math, routing table queries, and decoding a full FIND_NODE answer.</summary>
[MemoryDiagnoser]
public class DhtBenchmarks
{
    private RoutingTable _table = null!;
    private KadKey[] _targets = null!;
    private byte[] _response = null!;
    private int _next;

    private static PeerId RandomPeer(Random random)
    {
        var bytes = new byte[34];
        bytes[0] = 0x12;
        bytes[1] = 0x20;
        random.NextBytes(bytes.AsSpan(2));
        return PeerId.FromBytes(bytes);
    }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var now = DateTimeOffset.UnixEpoch;
        _table = new RoutingTable(RandomPeer(random), now);
        for (int i = 0; i < 5000; i++) _table.TryAdd(RandomPeer(random), now, out _);
        _targets = Enumerable.Range(0, 256).Select(i => KadKey.Hash(BitConverter.GetBytes(i))).ToArray();

        var message = new DhtMessage { Type = DhtMessage.Types.MessageType.FindNode, Key = ByteString.CopyFrom(new byte[34]) };
        for (int i = 0; i < DhtConstants.BucketSize; i++)
        {
            message.CloserPeers.Add(DhtPeerCodec.Encode(RandomPeer(random), [Multiaddr.Parse($"/ip4/10.0.{i}.1/tcp/4001"), Multiaddr.Parse($"/ip6/fd00::{i + 1}/tcp/4001")]));
        }
        var writer = new ArrayBufferWriter<byte>();
        DhtFraming.Write(writer, message);
        _response = writer.WrittenSpan.ToArray();
    }

    [Benchmark]
    public KadKey HashKey() => KadKey.Hash(_response.AsSpan(0, 34));

    [Benchmark]
    public int NearestPeers20() => _table.NearestPeers(_targets[_next++ & 255], DhtConstants.BucketSize).Count;

    [Benchmark]
    public int DecodeFindNodeResponse()
    {
        var sequence = new ReadOnlySequence<byte>(_response);
        DhtFraming.TryReadFrame(ref sequence, out var payload);
        return DhtPeerCodec.Decode(DhtFraming.Parse(payload).CloserPeers).Count;
    }
}
