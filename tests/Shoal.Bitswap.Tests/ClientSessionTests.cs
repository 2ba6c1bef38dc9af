using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

public class ClientSessionTests
{
    private static readonly PeerId B = SimNet.MakePeerId("b");
    private static readonly PeerId C = SimNet.MakePeerId("c");
    private static readonly Block X = Block.Compute(TestDags.RandomBytes(4000, 7));

    /// <summary>No send spacing, so each input's messages leave at once.</summary>
    private static readonly BitswapOptions Immediate = new() { MinSendDelay = TimeSpan.Zero, PerPeerSendDelay = TimeSpan.Zero };

    private static (CoreDriver Driver, long Session) WantXWithPeersBAndC(BitswapOptions? options = null)
    {
        var d = new CoreDriver(options ?? Immediate);
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(C, BitswapProtocolVersion.V120, d.Now);
        long s = d.Engine.StartSession(d.Now);
        d.Engine.WantBlocks(s, [X.Cid], d.Now);
        return (d, s);
    }

    [Fact]
    public void Discovery_broadcasts_want_have_to_every_connected_peer()
    {
        var (d, _) = WantXWithPeersBAndC();
        var actions = d.Take();
        foreach (var peer in new[] { B, C })
        {
            var e = Assert.Single(CoreDriver.EntriesTo(actions, peer));
            Assert.Equal(X.Cid, e.Cid);
            Assert.Equal(WantType.Have, e.WantType);
            Assert.False(e.Cancel);
        }
    }

    [Fact]
    public void Have_earns_a_want_block_and_dont_have_moves_it_to_the_second_peer()
    {
        var (d, _) = WantXWithPeersBAndC();
        d.Take();
        d.Now += TimeSpan.FromMilliseconds(10);
        d.Engine.MessageReceived(B, CoreDriver.Presence(X.Cid, BlockPresenceType.Have), d.Now);
        var toB = CoreDriver.EntriesTo(d.Take(), B);
        Assert.Contains(toB, e => e.Cid == X.Cid && e.WantType == WantType.Block && e.SendDontHave);

        d.Engine.MessageReceived(C, CoreDriver.Presence(X.Cid, BlockPresenceType.Have), d.Now);
        Assert.Empty(CoreDriver.EntriesTo(d.Take(), C)); // only one want-block at a time

        d.Now += TimeSpan.FromMilliseconds(10);
        d.Engine.MessageReceived(B, CoreDriver.Presence(X.Cid, BlockPresenceType.DontHave), d.Now);
        var toC = CoreDriver.EntriesTo(d.Take(), C);
        Assert.Contains(toC, e => e.Cid == X.Cid && e.WantType == WantType.Block);
    }

    [Fact]
    public void Silent_peer_times_out_into_a_simulated_dont_have()
    {
        var (d, _) = WantXWithPeersBAndC();
        d.Take();
        d.Now += TimeSpan.FromMilliseconds(10);
        d.Engine.MessageReceived(B, CoreDriver.Presence(X.Cid, BlockPresenceType.Have), d.Now);
        d.Engine.MessageReceived(C, CoreDriver.Presence(X.Cid, BlockPresenceType.Have), d.Now);
        var first = d.Take();
        var chosen = CoreDriver.EntriesTo(first, B).Any(e => e.WantType == WantType.Block) ? B : C;
        var other = chosen.Equals(B) ? C : B;
        var sentAt = d.Now;

        // The chosen peer never answers. Its answers took 10 ms so far, so the timeout is the 50 ms floor.
        d.AdvanceTo(sentAt + TimeSpan.FromMilliseconds(49));
        Assert.Empty(CoreDriver.EntriesTo(d.Take(), other));
        d.AdvanceTo(sentAt + TimeSpan.FromMilliseconds(60));
        Assert.Contains(CoreDriver.EntriesTo(d.Take(), other), e => e.Cid == X.Cid && e.WantType == WantType.Block);
        Assert.Equal(1, d.Engine.Stats.SimulatedDontHaves);
    }

    [Fact]
    public void Block_arrival_delivers_stores_and_cancels_at_the_other_peers()
    {
        var (d, s) = WantXWithPeersBAndC();
        d.Take();
        d.Engine.MessageReceived(B, CoreDriver.Presence(X.Cid, BlockPresenceType.Have), d.Now);
        d.Take();
        d.Engine.MessageReceived(B, CoreDriver.Blocks(X), d.Now);
        var actions = d.Take();
        Assert.Contains(actions, a => a is BlockDelivered bd && bd.Session == s && bd.Block.Cid == X.Cid);
        Assert.Contains(actions, a => a is StoreBlock sb && sb.Block.Cid == X.Cid);
        var toC = CoreDriver.EntriesTo(actions, C);
        Assert.Contains(toC, e => e.Cid == X.Cid && e.Cancel);
        Assert.Empty(CoreDriver.EntriesTo(actions, B)); // B served it; its ledger drops the want itself
        Assert.False(d.Engine.IsWanted(X.Cid));

        // A second copy is a duplicate, counted and not delivered again.
        d.Engine.MessageReceived(C, CoreDriver.Blocks(X), d.Now);
        Assert.DoesNotContain(d.Take(), a => a is BlockDelivered);
        Assert.Equal(1, d.Engine.Stats.DupBlksReceived);
        Assert.Equal(X.Data.Length, d.Engine.Stats.DupDataReceived);
    }

    [Fact]
    public void Nobody_answering_triggers_a_provider_search_after_the_delay()
    {
        var (d, _) = WantXWithPeersBAndC();
        d.Take();
        d.AdvanceTo(TimeSpan.FromMilliseconds(999));
        Assert.DoesNotContain(d.Take(), a => a is FindProviders);
        d.AdvanceTo(TimeSpan.FromMilliseconds(1001));
        var find = Assert.Single(d.Take().OfType<FindProviders>());
        Assert.Equal(X.Cid, find.Cid);

        // A provider we are not connected to: connect, then treat it as a HAVE.
        var provider = SimNet.MakePeerId("provider");
        d.Engine.ProvidersFound(X.Cid, [provider], d.Now);
        Assert.Contains(d.Take(), a => a is ConnectTo ct && ct.Peer.Equals(provider));
        d.Engine.PeerConnected(provider, BitswapProtocolVersion.V120, d.Now);
        Assert.Contains(CoreDriver.EntriesTo(d.Take(), provider), e => e.Cid == X.Cid && e.WantType == WantType.Block);
    }

    [Fact]
    public void All_session_peers_saying_dont_have_sends_the_want_to_the_content_routing()
    {
        var (d, _) = WantXWithPeersBAndC();
        d.Take();
        d.Engine.MessageReceived(B, CoreDriver.Presence(X.Cid, BlockPresenceType.Have), d.Now);
        d.Engine.MessageReceived(C, CoreDriver.Presence(X.Cid, BlockPresenceType.Have), d.Now);
        d.Take();
        d.Engine.MessageReceived(B, CoreDriver.Presence(X.Cid, BlockPresenceType.DontHave), d.Now);
        d.Engine.MessageReceived(C, CoreDriver.Presence(X.Cid, BlockPresenceType.DontHave), d.Now);
        Assert.Single(d.Take().OfType<FindProviders>());
    }

    [Fact]
    public void Peer_sending_blocks_nobody_asked_for_is_disconnected()
    {
        var d = new CoreDriver();
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        d.Take();
        for (int i = 0; i <= BitswapDefaults.MaxUnsolicitedBlocksPerPeer; i++)
        {
            d.Engine.MessageReceived(B, CoreDriver.Blocks(Block.Compute(TestDags.RandomBytes(10, 1000 + i))), d.Now);
        }
        var dc = Assert.Single(d.Take().OfType<DisconnectPeer>());
        Assert.Equal(B, dc.Peer);
        Assert.Equal(0, d.Store.Count);
    }

    [Fact]
    public void Locally_present_blocks_are_delivered_without_asking_anyone()
    {
        var d = new CoreDriver();
        d.Store.Put(X);
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        long s = d.Engine.StartSession(d.Now);
        d.Engine.WantBlocks(s, [X.Cid], d.Now);
        var actions = d.Take();
        Assert.Contains(actions, a => a is BlockDelivered bd && bd.Block.Cid == X.Cid);
        Assert.Empty(CoreDriver.EntriesTo(actions, B));
    }

    [Fact]
    public void Want_messages_to_one_peer_are_spaced_by_the_send_delay()
    {
        var (d, _) = WantXWithPeersBAndC(new BitswapOptions());
        Assert.Single(CoreDriver.MessagesTo(d.Take(), B));
        var y = Block.Compute(TestDags.RandomBytes(10, 99));
        long s2 = d.Engine.StartSession(d.Now);
        d.Engine.WantBlocks(s2, [y.Cid], d.Now);
        Assert.Empty(CoreDriver.MessagesTo(d.Take(), B)); // batched until 20 ms after the last message
        Assert.Equal(BitswapDefaults.MinSendDelay, d.Engine.NextWakeUp);
        d.FireNextTimer();
        Assert.Contains(CoreDriver.EntriesTo(d.Take(), B), e => e.Cid == y.Cid);
    }

    [Fact]
    public void Bitswap_1_1_strategy_sends_want_blocks_and_never_want_haves()
    {
        var (d, _) = WantXWithPeersBAndC(Immediate with { Strategy = BitswapStrategy.Bitswap11 });
        var actions = d.Take();
        Assert.All(CoreDriver.EntriesTo(actions, B).Concat(CoreDriver.EntriesTo(actions, C)),
            e => Assert.Equal(WantType.Block, e.WantType));
    }

    [Fact]
    public void Old_peers_get_want_blocks_for_broadcasts_and_no_want_haves()
    {
        var d = new CoreDriver(Immediate);
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V110, d.Now);
        long s = d.Engine.StartSession(d.Now);
        d.Engine.WantBlocks(s, [X.Cid], d.Now);
        var e = Assert.Single(CoreDriver.EntriesTo(d.Take(), B));
        Assert.Equal(WantType.Block, e.WantType);
    }
}
