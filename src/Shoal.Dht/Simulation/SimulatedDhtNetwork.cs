using System.Buffers;
using Google.Protobuf;
using Shoal.Dht.Wire;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// Many DHT nodes in one process on virtual time, for the Lab and for tests: each node is the real sans-I/O core
/// (routing table, provider store, request handler) and every request and answer goes through the real framing and
/// protobuf codec. A lookup runs to its end synchronously, starting at the time it is given, and reports how much
/// virtual time it took; dead nodes never answer, so requests to them cost the 10 s timeout. Not thread-safe.
/// </summary>
public sealed class SimulatedDhtNetwork
{
    private readonly Dictionary<PeerId, SimulatedDhtNode> _nodes = new();
    private readonly Func<PeerId, PeerId, TimeSpan> _latency;

    /// <param name="latency">One-way delay from the first peer to the second; a request's answer arrives after twice it.</param>
    public SimulatedDhtNetwork(Func<PeerId, PeerId, TimeSpan> latency, LookupOptions? lookupOptions = null)
    {
        _latency = latency;
        LookupOptions = lookupOptions ?? new LookupOptions();
    }

    public LookupOptions LookupOptions { get; }

    public IReadOnlyCollection<SimulatedDhtNode> Nodes => _nodes.Values;

    /// <summary>Requests sent so far, and how many went to dead nodes.</summary>
    public long Requests { get; private set; }

    public long RequestsToDead { get; private set; }

    public SimulatedDhtNode this[PeerId peer] => _nodes[peer];

    public SimulatedDhtNode AddNode(PeerId id, IReadOnlyList<Multiaddr> addresses, DateTimeOffset now)
    {
        var table = new RoutingTable(id, now);
        var providers = new ProviderStore();
        var handler = new DhtRequestHandler(table, providers, AddressesOf, () => addresses, AddressPolicy.AllowPrivate);
        var node = new SimulatedDhtNode(id, addresses, table, providers, handler);
        _nodes.Add(id, node);
        return node;
    }

    private IReadOnlyList<Multiaddr> AddressesOf(PeerId peer) => _nodes.TryGetValue(peer, out var node) ? node.Addresses : [];

    /// <summary>
    /// Joins <paramref name="node"/> to the network through <paramref name="via"/>: each learns the other, then the node
    /// looks up its own id, which fills its table and puts it in the tables of those it asks (as identify would).
    /// </summary>
    public SimulatedLookupResult Join(SimulatedDhtNode node, SimulatedDhtNode via, DateTimeOffset now)
    {
        node.Table.TryAdd(via.Id, now, out _);
        via.Table.TryAdd(node.Id, now, out _);
        return Lookup(node, LookupKind.FindNode, node.Id.Bytes, now);
    }

    /// <summary>Announces <paramref name="key"/> (a multihash): FIND_NODE, then ADD_PROVIDER to the closest live peers.</summary>
    public SimulatedLookupResult Provide(SimulatedDhtNode provider, ReadOnlyMemory<byte> key, DateTimeOffset now)
    {
        var result = Lookup(provider, LookupKind.FindNode, key, now);
        var request = new DhtMessage { Type = DhtMessage.Types.MessageType.AddProvider, Key = ByteString.CopyFrom(key.Span) };
        request.ProviderPeers.Add(DhtPeerCodec.Encode(provider.Id, provider.Addresses));
        int stored = 0;
        var arrival = now + result.Elapsed;
        foreach (var peer in result.ClosestPeers)
        {
            var target = _nodes[peer.Id];
            Requests++;
            if (target.Dead) { RequestsToDead++; continue; }
            target.Handler.Handle(provider.Id, RoundTrip(request), arrival + _latency(provider.Id, peer.Id));
            stored++;
        }
        provider.Providers.Add(new ContentKey(key.Span), provider.Id, provider.Addresses, now);
        provider.Providers.AddLocal(new ContentKey(key.Span), now);
        return result with { RecordsStored = stored };
    }

    /// <summary>Finds providers of <paramref name="key"/>: local records first, then a GET_PROVIDERS lookup.</summary>
    public SimulatedLookupResult FindProviders(SimulatedDhtNode origin, ReadOnlyMemory<byte> key, int maxProviders, DateTimeOffset now)
    {
        var local = new List<PeerInfo>();
        foreach (var record in origin.Providers.Get(new ContentKey(key.Span), now, maxProviders))
        {
            local.Add(new PeerInfo(record.Provider, record.AddressesAt(now), [], null));
        }
        if (local.Count >= maxProviders)
        {
            return new SimulatedLookupResult(LookupEndReason.EnoughProviders, local, [], TimeSpan.Zero, 0, 0, 0) { FoundLocally = true };
        }
        var result = Lookup(origin, LookupKind.GetProviders, key, now, maxProviders);
        foreach (var p in result.Providers)
        {
            if (!local.Exists(l => l.Id.Equals(p.Id))) local.Add(p);
        }
        return result with { Providers = local };
    }

    /// <summary>Runs one iterative lookup from <paramref name="origin"/> to its end, starting at <paramref name="now"/>.</summary>
    public SimulatedLookupResult Lookup(SimulatedDhtNode origin, LookupKind kind, ReadOnlyMemory<byte> key, DateTimeOffset now, int maxProviders = DhtConstants.BucketSize)
    {
        var start = now;
        var target = KadKey.Hash(key.Span);
        var seeds = origin.Table.NearestPeers(target, LookupOptions.ResultCount);
        var lookup = new Lookup(kind, key, seeds, origin.Id, LookupOptions with { MaxProviders = maxProviders });
        var request = new DhtMessage
        {
            Type = kind == LookupKind.FindNode ? DhtMessage.Types.MessageType.FindNode : DhtMessage.Types.MessageType.GetProviders,
            Key = ByteString.CopyFrom(key.Span),
        };
        var found = new List<PeerInfo>();
        var inbox = new PriorityQueue<(PeerId From, DhtMessage Response), DateTimeOffset>();
        lookup.Start(now);
        while (true)
        {
            while (lookup.TryDequeue(out var action))
            {
                switch (action.Kind)
                {
                    case LookupActionKind.SendRequest:
                        var peer = _nodes[action.Peer!];
                        Requests++;
                        if (peer.Dead) { RequestsToDead++; break; } // no answer: the lookup's timer fails it
                        var there = _latency(origin.Id, peer.Id);
                        var response = peer.Handler.Handle(origin.Id, RoundTrip(request), now + there);
                        inbox.Enqueue((peer.Id, RoundTrip(response!)), now + there + _latency(peer.Id, origin.Id));
                        break;
                    case LookupActionKind.ProviderFound:
                        found.Add(action.Info!);
                        break;
                    case LookupActionKind.PeerUnreachable:
                        origin.Table.Remove(action.Peer!);
                        break;
                    case LookupActionKind.Finished:
                        if (lookup.EndReason is LookupEndReason.Converged or LookupEndReason.Exhausted) origin.Table.MarkRefreshed(target, now);
                        return new SimulatedLookupResult(lookup.EndReason, found, lookup.ClosestPeers(), now - start,
                            lookup.RequestsSent, lookup.Failures, lookup.FirstProviderHops);
                }
            }
            var deadline = lookup.NextDeadline;
            if (inbox.TryPeek(out var next, out var at) && (deadline is null || at <= deadline))
            {
                inbox.Dequeue();
                now = at;
                // Peers that answer run a DHT server: both sides admit each other, as identify does on a real host.
                origin.Table.TryAdd(next.From, now, out _);
                _nodes[next.From].Table.TryAdd(origin.Id, now, out _);
                lookup.OnResponse(next.From, DhtPeerCodec.Decode(next.Response.CloserPeers), DhtPeerCodec.Decode(next.Response.ProviderPeers), now);
            }
            else if (deadline is not null)
            {
                now = deadline.Value;
                lookup.OnTimer(now);
            }
            else
            {
                throw new InvalidOperationException($"Lookup {kind} stalled: nothing in flight and not finished.");
            }
        }
    }

    private static DhtMessage RoundTrip(DhtMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(message.CalculateSize() + 5);
        DhtFraming.Write(buffer, message);
        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        if (!DhtFraming.TryReadFrame(ref sequence, out var payload)) throw new InvalidOperationException("frame incomplete");
        return DhtFraming.Parse(payload);
    }
}
