using System.Buffers;
using Shoal.Dht.Wire;
using Shoal.Net;

namespace Shoal.Dht.Tests;

/// <summary>
/// An in-process DHT network on virtual time: each node is the real sans-I/O core (routing table, provider store,
/// request handler); requests and responses go through the real framing and protobuf codec, with a random latency;
/// dead nodes never answer, so requests to them time out on the virtual clock.
/// </summary>
internal sealed class SimulatedNetwork
{
    internal sealed class Node
    {
        public required PeerId Id { get; init; }
        public required IReadOnlyList<Multiaddr> Addresses { get; init; }
        public required RoutingTable Table { get; init; }
        public required ProviderStore Providers { get; init; }
        public required DhtRequestHandler Handler { get; init; }
        public bool Dead { get; set; }
    }

    internal sealed record LookupResult(Lookup Lookup, List<PeerInfo> Providers, TimeSpan Elapsed)
    {
        public bool FoundLocally { get; init; }
    }

    private readonly Random _random;
    private readonly Dictionary<PeerId, Node> _nodes = new();
    private DateTimeOffset _now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public SimulatedNetwork(int seed) => _random = new Random(seed);

    public List<Node> Nodes { get; } = new();

    public DateTimeOffset Now => _now;

    public long Messages { get; private set; }

    /// <summary>Requests sent to dead nodes (each one cost the asker a timeout or was overtaken by the lookup's end).</summary>
    public long RequestsToDead { get; private set; }

    public static PeerId RandomPeerId(Random random)
    {
        var bytes = new byte[34];
        bytes[0] = 0x12;
        bytes[1] = 0x20;
        random.NextBytes(bytes.AsSpan(2));
        return PeerId.FromBytes(bytes);
    }

    public Node AddNode()
    {
        var id = RandomPeerId(_random);
        int n = Nodes.Count;
        var addresses = new[] { Multiaddr.Parse($"/ip4/10.{n / 65536 % 256}.{n / 256 % 256}.{n % 256}/tcp/4001") };
        var table = new RoutingTable(id, _now);
        var providers = new ProviderStore();
        var handler = new DhtRequestHandler(table, providers, AddressesOf, () => addresses, AddressPolicy.AllowPrivate);
        var node = new Node { Id = id, Addresses = addresses, Table = table, Providers = providers, Handler = handler };
        _nodes.Add(id, node);
        Nodes.Add(node);
        return node;
    }

    private IReadOnlyList<Multiaddr> AddressesOf(PeerId peer) => _nodes.TryGetValue(peer, out var node) ? node.Addresses : [];

    /// <summary>Builds a network where each node joined through the first one with a self lookup, then refreshed.</summary>
    public static SimulatedNetwork Build(int nodes, int seed)
    {
        var net = new SimulatedNetwork(seed);
        for (int i = 0; i < nodes; i++) net.AddNode();
        var first = net.Nodes[0];
        for (int i = 1; i < nodes; i++)
        {
            var node = net.Nodes[i];
            node.Table.TryAdd(first.Id, net.Now, out _);
            first.Table.TryAdd(node.Id, net.Now, out _);
            net.RunLookup(node, LookupKind.FindNode, node.Id.Bytes);
        }
        // A second round of self lookups, as the periodic refresh does, fills the tables of early joiners.
        foreach (var node in net.Nodes) net.RunLookup(node, LookupKind.FindNode, node.Id.Bytes);
        return net;
    }

    /// <summary>Announces <paramref name="key"/> from <paramref name="provider"/>: FIND_NODE, then ADD_PROVIDER to the closest.</summary>
    public int Provide(Node provider, byte[] key)
    {
        var result = RunLookup(provider, LookupKind.FindNode, key);
        var request = new DhtMessage { Type = DhtMessage.Types.MessageType.AddProvider, Key = Google.Protobuf.ByteString.CopyFrom(key) };
        request.ProviderPeers.Add(DhtPeerCodec.Encode(provider.Id, provider.Addresses));
        int stored = 0;
        foreach (var peer in result.Lookup.ClosestPeers())
        {
            var target = _nodes[peer.Id];
            if (target.Dead) continue;
            var response = target.Handler.Handle(provider.Id, RoundTrip(request), _now);
            if (response is not null) throw new InvalidOperationException("ADD_PROVIDER must get no reply");
            stored++;
        }
        provider.Providers.Add(new ContentKey(key), provider.Id, provider.Addresses, _now);
        return stored;
    }

    /// <summary>Runs one lookup from <paramref name="origin"/> to its end on the virtual clock.</summary>
    public LookupResult RunLookup(Node origin, LookupKind kind, ReadOnlyMemory<byte> key, int maxProviders = DhtConstants.BucketSize)
    {
        var start = _now;
        var target = KadKey.Hash(key.Span);
        var seeds = origin.Table.NearestPeers(target, DhtConstants.BucketSize);
        var lookup = new Lookup(kind, key, seeds, origin.Id, new LookupOptions { MaxProviders = maxProviders });
        var request = new DhtMessage
        {
            Type = kind == LookupKind.FindNode ? DhtMessage.Types.MessageType.FindNode : DhtMessage.Types.MessageType.GetProviders,
            Key = Google.Protobuf.ByteString.CopyFrom(key.Span),
        };
        var found = new List<PeerInfo>();
        // Local records first, as KadDht does.
        if (kind == LookupKind.GetProviders)
        {
            foreach (var record in origin.Providers.Get(new ContentKey(key.Span), _now))
            {
                found.Add(new PeerInfo(record.Provider, record.Addresses, [], null));
            }
            if (found.Count >= maxProviders) return new LookupResult(lookup, found, TimeSpan.Zero) { FoundLocally = true };
        }
        var inbox = new PriorityQueue<(PeerId From, DhtMessage Response), DateTimeOffset>();
        lookup.Start(_now);
        while (true)
        {
            while (lookup.TryDequeue(out var action))
            {
                switch (action.Kind)
                {
                    case LookupActionKind.SendRequest:
                        var peer = _nodes[action.Peer!];
                        Messages++;
                        if (peer.Dead) { RequestsToDead++; break; } // no answer: the lookup's timer fails it
                        var response = peer.Handler.Handle(origin.Id, RoundTrip(request), _now);
                        inbox.Enqueue((peer.Id, RoundTrip(response!)), _now + TimeSpan.FromMilliseconds(_random.Next(5, 80)));
                        break;
                    case LookupActionKind.ProviderFound:
                        if (!found.Exists(p => p.Id.Equals(action.Info!.Id))) found.Add(action.Info!);
                        break;
                    case LookupActionKind.PeerUnreachable:
                        origin.Table.Remove(action.Peer!);
                        break;
                    case LookupActionKind.Finished:
                        if (lookup.EndReason is LookupEndReason.Converged or LookupEndReason.Exhausted) origin.Table.MarkRefreshed(target, _now);
                        return new LookupResult(lookup, found, _now - start);
                }
            }
            var deadline = lookup.NextDeadline;
            if (inbox.TryPeek(out var next, out var at) && (deadline is null || at <= deadline))
            {
                inbox.Dequeue();
                _now = at;
                // Peers that answer speak the protocol: admit them, as KadDht does.
                origin.Table.TryAdd(next.From, _now, out _);
                _nodes[next.From].Table.TryAdd(origin.Id, _now, out _);
                lookup.OnResponse(next.From, DhtPeerCodec.Decode(next.Response.CloserPeers), DhtPeerCodec.Decode(next.Response.ProviderPeers), _now);
            }
            else if (deadline is not null)
            {
                _now = deadline.Value;
                lookup.OnTimer(_now);
            }
            else
            {
                throw new InvalidOperationException("Lookup stalled: nothing in flight and not finished.");
            }
        }
    }

    /// <summary>Encodes and decodes through the real framing, as the wire would.</summary>
    private static DhtMessage RoundTrip(DhtMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        DhtFraming.Write(buffer, message);
        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        if (!DhtFraming.TryReadFrame(ref sequence, out var payload)) throw new InvalidOperationException("frame incomplete");
        return DhtFraming.Parse(payload);
    }

    /// <summary>The <paramref name="count"/> live nodes truly closest to a key, by brute force.</summary>
    public List<PeerId> TrueClosest(ReadOnlySpan<byte> key, int count)
    {
        var target = KadKey.Hash(key);
        var live = Nodes.Where(n => !n.Dead).Select(n => (n.Id, Key: KadKey.Hash(n.Id.Bytes.Span))).ToList();
        live.Sort((a, b) => target.CompareDistance(a.Key, b.Key));
        return live.Take(count).Select(x => x.Id).ToList();
    }
}
