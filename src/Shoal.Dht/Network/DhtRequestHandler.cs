using Google.Protobuf;
using Shoal.Dht.Wire;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// The server side of kad-dht as a pure function of (sender, request, now) over the routing table and provider
/// store: returns the response to write, or null when the request gets none (ADD_PROVIDER). Throws
/// <see cref="DhtProtocolException"/> for requests to refuse, upon which the shell resets the stream.
/// Not thread-safe: the owner serialises calls with any other use of the table and store.
/// </summary>
public sealed class DhtRequestHandler
{
    private readonly RoutingTable _table;
    private readonly ProviderStore _providers;
    private readonly Func<PeerId, IReadOnlyList<Multiaddr>> _addressesOf;
    private readonly Func<IReadOnlyList<Multiaddr>> _selfAddresses;
    private readonly AddressPolicy _policy;

    /// <param name="addressesOf">Known addresses of a peer (the host's address book).</param>
    /// <param name="selfAddresses">Our own listen addresses, for FIND_NODE on our own id.</param>
    public DhtRequestHandler(RoutingTable table, ProviderStore providers, Func<PeerId, IReadOnlyList<Multiaddr>> addressesOf,
        Func<IReadOnlyList<Multiaddr>> selfAddresses, AddressPolicy policy)
    {
        _table = table;
        _providers = providers;
        _addressesOf = addressesOf;
        _selfAddresses = selfAddresses;
        _policy = policy;
    }

    public DhtServerStats Stats { get; } = new();

    public DhtMessage? Handle(PeerId from, DhtMessage request, DateTimeOffset now)
    {
        Stats.Request();
        try
        {
            return request.Type switch
            {
                DhtMessage.Types.MessageType.FindNode => FindNode(from, request),
                DhtMessage.Types.MessageType.GetProviders => GetProviders(from, request, now),
                DhtMessage.Types.MessageType.AddProvider => AddProvider(from, request, now),
                DhtMessage.Types.MessageType.GetValue => GetValue(from, request),
                DhtMessage.Types.MessageType.Ping => new DhtMessage { Type = DhtMessage.Types.MessageType.Ping, ClusterLevelRaw = request.ClusterLevelRaw },
                DhtMessage.Types.MessageType.PutValue => throw new DhtProtocolException("PUT_VALUE is not supported: this node stores provider records only."),
                _ => throw new DhtProtocolException($"Unknown DHT message type {(int)request.Type}."),
            };
        }
        catch (DhtProtocolException)
        {
            Stats.RequestRefused();
            throw;
        }
    }

    private static ReadOnlySpan<byte> RequireKey(DhtMessage request)
    {
        int length = request.Key.Length;
        if (length == 0)
        {
            throw new DhtProtocolException($"{request.Type} without a key.");
        }
        if (length > DhtConstants.MaxKeyLength)
        {
            throw new DhtProtocolException($"{request.Type} key of {length} bytes exceeds {DhtConstants.MaxKeyLength}.");
        }
        return request.Key.Span;
    }

    private DhtMessage FindNode(PeerId from, DhtMessage request)
    {
        var key = RequireKey(request);
        var response = new DhtMessage { Type = DhtMessage.Types.MessageType.FindNode, ClusterLevelRaw = request.ClusterLevelRaw };
        if (key.SequenceEqual(_table.Self.Bytes.Span))
        {
            var own = _policy.Filter(_selfAddresses());
            if (own.Count > 0) response.CloserPeers.Add(DhtPeerCodec.Encode(_table.Self, own, DhtMessage.Types.ConnectionType.Connected));
        }
        AddCloserPeers(response, KadKey.Hash(key), from);
        return response;
    }

    private DhtMessage GetValue(PeerId from, DhtMessage request)
    {
        // No value records here; answering with closer peers lets the asker's lookup carry on.
        var key = RequireKey(request);
        var response = new DhtMessage { Type = DhtMessage.Types.MessageType.GetValue, Key = request.Key, ClusterLevelRaw = request.ClusterLevelRaw };
        AddCloserPeers(response, KadKey.Hash(key), from);
        return response;
    }

    private DhtMessage GetProviders(PeerId from, DhtMessage request, DateTimeOffset now)
    {
        var key = RequireKey(request);
        var response = new DhtMessage { Type = DhtMessage.Types.MessageType.GetProviders, Key = request.Key, ClusterLevelRaw = request.ClusterLevelRaw };
        foreach (var record in _providers.Get(new ContentKey(key), now))
        {
            var addresses = record.AddressesAt(now);
            if (addresses.Count == 0) addresses = _addressesOf(record.Provider);
            addresses = _policy.Filter(addresses);
            if (addresses.Count == 0) continue; // js drops address-less providers too; it could not dial them
            response.ProviderPeers.Add(DhtPeerCodec.Encode(record.Provider, addresses));
        }
        AddCloserPeers(response, KadKey.Hash(key), from);
        return response;
    }

    private DhtMessage? AddProvider(PeerId from, DhtMessage request, DateTimeOffset now)
    {
        var key = new ContentKey(RequireKey(request));
        if (request.ProviderPeers.Count == 0)
        {
            throw new DhtProtocolException("ADD_PROVIDER without a provider entry.");
        }
        int accepted = 0;
        string? refusal = null;
        int limit = Math.Min(request.ProviderPeers.Count, DhtConstants.MaxPeersPerList);
        for (int i = 0; i < limit; i++)
        {
            var entry = request.ProviderPeers[i];
            if (!entry.Id.Span.SequenceEqual(from.Bytes.Span))
            {
                Stats.ProviderRejected();
                refusal = $"ADD_PROVIDER from {from} carries a record for another peer.";
                continue;
            }
            var info = DhtPeerCodec.TryDecode(entry);
            var addresses = info is null ? [] : _policy.Filter(info.Addresses);
            if (addresses.Count == 0)
            {
                Stats.ProviderRejected();
                refusal = $"ADD_PROVIDER from {from} has no usable address ({entry.Addrs.Count} given, private ones {(_policy.AllowsPrivate ? "allowed" : "refused")}).";
                continue;
            }
            var result = _providers.Add(key, from, addresses, now);
            if (result is ProviderAddResult.Added or ProviderAddResult.Refreshed)
            {
                accepted++;
                Stats.ProviderAccepted();
            }
            else
            {
                Stats.ProviderRejected();
                refusal = $"ADD_PROVIDER from {from} refused: {result}.";
            }
        }
        if (accepted == 0 && refusal is not null)
        {
            throw new DhtProtocolException(refusal);
        }
        return null;
    }

    private void AddCloserPeers(DhtMessage response, in KadKey target, PeerId from)
    {
        foreach (var peer in _table.NearestPeers(target, _table.BucketSize, exclude: from))
        {
            var addresses = _policy.Filter(_addressesOf(peer));
            if (addresses.Count == 0) continue; // an entry nobody can dial only costs the asker a round trip
            response.CloserPeers.Add(DhtPeerCodec.Encode(peer, addresses));
        }
    }
}
