using Google.Protobuf;
using Shoal.Dht.Wire;
using Shoal.Net;

namespace Shoal.Dht.Tests;

public sealed class DhtRequestHandlerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] ContentKey = [0x12, 0x20, .. new byte[32]];
    private readonly Random _random = new(7);

    private (DhtRequestHandler Handler, RoutingTable Table, ProviderStore Store) Server(AddressPolicy? policy = null, ProviderStoreLimits? limits = null)
    {
        var self = SimulatedNetwork.RandomPeerId(_random);
        var table = new RoutingTable(self, T0);
        var store = new ProviderStore(limits);
        var handler = new DhtRequestHandler(table, store, p => [Multiaddr.Parse("/ip4/10.0.0.9/tcp/1")], () => [Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001")], policy ?? AddressPolicy.AllowPrivate);
        return (handler, table, store);
    }

    private static DhtMessage AddProvider(PeerId about, params string[] addresses)
    {
        var m = new DhtMessage { Type = DhtMessage.Types.MessageType.AddProvider, Key = ByteString.CopyFrom(ContentKey) };
        m.ProviderPeers.Add(DhtPeerCodec.Encode(about, addresses.Select(Multiaddr.Parse)));
        return m;
    }

    [Fact]
    public void Add_provider_about_the_sender_is_stored_and_gets_no_reply()
    {
        var (handler, _, store) = Server();
        var sender = SimulatedNetwork.RandomPeerId(_random);
        Assert.Null(handler.Handle(sender, AddProvider(sender, "/ip4/10.1.1.1/tcp/4001"), T0));
        Assert.Equal(sender, store.Get(new ContentKey(ContentKey), T0).Single().Provider);

        var get = new DhtMessage { Type = DhtMessage.Types.MessageType.GetProviders, Key = ByteString.CopyFrom(ContentKey) };
        var response = handler.Handle(SimulatedNetwork.RandomPeerId(_random), get, T0)!;
        var provider = DhtPeerCodec.Decode(response.ProviderPeers).Single();
        Assert.Equal(sender, provider.Id);
        Assert.Equal("/ip4/10.1.1.1/tcp/4001", provider.Addresses.Single().ToString());
    }

    [Fact]
    public void Add_provider_for_another_peer_is_refused()
    {
        var (handler, _, store) = Server();
        var sender = SimulatedNetwork.RandomPeerId(_random);
        var victim = SimulatedNetwork.RandomPeerId(_random);
        var e = Assert.Throws<DhtProtocolException>(() => handler.Handle(sender, AddProvider(victim, "/ip4/10.1.1.1/tcp/4001"), T0));
        Assert.Contains("another peer", e.Message);
        Assert.Equal(0, store.RecordCount);
        Assert.Equal(1, handler.Stats.ProvidersRejected);
    }

    [Fact]
    public void Add_provider_without_usable_addresses_is_refused()
    {
        var (handler, _, store) = Server(AddressPolicy.PublicOnly);
        var sender = SimulatedNetwork.RandomPeerId(_random);
        Assert.Throws<DhtProtocolException>(() => handler.Handle(sender, AddProvider(sender), T0));
        var e = Assert.Throws<DhtProtocolException>(() => handler.Handle(sender, AddProvider(sender, "/ip4/127.0.0.1/tcp/4001", "/ip4/192.168.1.2/tcp/4001"), T0));
        Assert.Contains("no usable address", e.Message);
        Assert.Null(handler.Handle(sender, AddProvider(sender, "/ip4/127.0.0.1/tcp/4001", "/ip4/8.8.8.8/tcp/4001"), T0));
        Assert.Equal("/ip4/8.8.8.8/tcp/4001", store.Get(new ContentKey(ContentKey), T0).Single().Addresses.Single().ToString());
    }

    [Fact]
    public void Oversized_and_missing_keys_are_refused()
    {
        var (handler, _, _) = Server();
        var sender = SimulatedNetwork.RandomPeerId(_random);
        foreach (var type in new[] { DhtMessage.Types.MessageType.FindNode, DhtMessage.Types.MessageType.GetProviders, DhtMessage.Types.MessageType.AddProvider })
        {
            Assert.Throws<DhtProtocolException>(() => handler.Handle(sender, new DhtMessage { Type = type }, T0));
            Assert.Throws<DhtProtocolException>(() => handler.Handle(sender, new DhtMessage { Type = type, Key = ByteString.CopyFrom(new byte[DhtConstants.MaxKeyLength + 1]) }, T0));
        }
        Assert.Throws<DhtProtocolException>(() => handler.Handle(sender, new DhtMessage { Type = (DhtMessage.Types.MessageType)77, Key = ByteString.CopyFrom(ContentKey) }, T0));
        Assert.Throws<DhtProtocolException>(() => handler.Handle(sender, new DhtMessage { Type = DhtMessage.Types.MessageType.PutValue, Key = ByteString.CopyFrom(ContentKey) }, T0));
        Assert.Equal(8, handler.Stats.RequestsRefused);
    }

    [Fact]
    public void A_flood_of_add_provider_is_bounded_and_others_are_still_served()
    {
        var (handler, _, store) = Server(limits: new ProviderStoreLimits { MaxRecordsPerProvider = 100 });
        var flooder = SimulatedNetwork.RandomPeerId(_random);
        int refused = 0;
        for (int i = 0; i < 5000; i++)
        {
            var m = AddProvider(flooder, "/ip4/10.1.1.1/tcp/4001");
            m.Key = ByteString.CopyFrom(BitConverter.GetBytes(i));
            try { handler.Handle(flooder, m, T0); } catch (DhtProtocolException) { refused++; }
        }
        Assert.Equal(100, store.RecordCount);
        Assert.Equal(4900, refused);
        var honest = SimulatedNetwork.RandomPeerId(_random);
        Assert.Null(handler.Handle(honest, AddProvider(honest, "/ip4/10.2.2.2/tcp/4001"), T0));
        Assert.Equal(101, store.RecordCount);
    }

    [Fact]
    public void Find_node_answers_with_closest_known_peers_never_the_asker()
    {
        var (handler, table, _) = Server();
        var peers = Enumerable.Range(0, 60).Select(_ => SimulatedNetwork.RandomPeerId(_random)).ToList();
        foreach (var p in peers) table.TryAdd(p, T0, out _);
        var asker = peers[0];
        var response = handler.Handle(asker, new DhtMessage { Type = DhtMessage.Types.MessageType.FindNode, Key = ByteString.CopyFrom(asker.Bytes.Span) }, T0)!;
        var closer = DhtPeerCodec.Decode(response.CloserPeers).Select(p => p.Id).ToList();
        Assert.DoesNotContain(asker, closer);
        Assert.Equal(table.NearestPeers(KadKey.Hash(asker.Bytes.Span), 20, exclude: asker), closer);

        // Asking for the server's own id includes the server and its addresses.
        var self = handler.Handle(asker, new DhtMessage { Type = DhtMessage.Types.MessageType.FindNode, Key = ByteString.CopyFrom(table.Self.Bytes.Span) }, T0)!;
        Assert.Equal(table.Self, DhtPeerCodec.Decode(self.CloserPeers)[0].Id);
    }
}
