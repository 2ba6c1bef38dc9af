using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

/// <summary>The Bitswap 1.2 client behaves like boxo's sessionWantSender and peerWantManager, and the 1.1 strategy
/// like go-bitswap before PR 189 (live-want limits and the duplicate-driven request splitter).</summary>
public class BoxoMechanicsTests
{
    private static readonly PeerId B = SimNet.MakePeerId("b");
    private static readonly PeerId C = SimNet.MakePeerId("c");
    private static readonly PeerId D = SimNet.MakePeerId("d");
    private static readonly PeerId[] Peers = [B, C, D];
    private static readonly Block First = Block.Compute(TestDags.RandomBytes(4000, 70));

    private static BitswapOptions Immediate(BitswapStrategy strategy) => BitswapOptions.For(strategy) with
    {
        MinSendDelay = TimeSpan.Zero,
        PerPeerSendDelay = TimeSpan.Zero,
    };

    private static List<Cid> Cids(int count, int seed)
        => Enumerable.Range(0, count).Select(i => Block.Compute(TestDags.RandomBytes(100, seed + i)).Cid).ToList();

    /// <summary>A 1.2 session whose peers are B, C and D: it wanted <see cref="First"/>, each of them said HAVE.</summary>
    private static (CoreDriver Driver, long Session) SessionWithThreePeers(BitswapStrategy strategy = BitswapStrategy.Bitswap12)
    {
        var d = new CoreDriver(Immediate(strategy));
        foreach (var p in Peers) d.Engine.PeerConnected(p, BitswapProtocolVersion.V120, d.Now);
        long s = d.Engine.StartSession(d.Now);
        d.Engine.WantBlocks(s, [First.Cid], d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        foreach (var p in Peers) d.Engine.MessageReceived(p, CoreDriver.Presence(First.Cid, BlockPresenceType.Have), d.Now);
        d.Take();
        return (d, s);
    }

    [Fact]
    public void Each_want_gets_one_want_block_and_want_haves_to_every_other_session_peer()
    {
        var (d, s) = SessionWithThreePeers();
        var wants = Cids(20, 100);
        d.Engine.WantBlocks(s, wants, d.Now);
        var actions = d.Take();
        foreach (var cid in wants)
        {
            var entries = Peers.Select(p => (Peer: p, Entries: CoreDriver.EntriesTo(actions, p).Where(e => e.Cid == cid && !e.Cancel).ToList())).ToList();
            Assert.Single(entries, x => x.Entries.Any(e => e.WantType == WantType.Block));
            foreach (var x in entries)
            {
                var e = Assert.Single(x.Entries);
                Assert.True(e.SendDontHave); // session wants ask for DONT_HAVE; only broadcasts do not
            }
            Assert.Equal(2, entries.Count(x => x.Entries[0].WantType == WantType.Have));
        }
    }

    [Fact]
    public void Dont_have_moves_the_want_block_to_a_peer_that_said_have()
    {
        var (d, s) = SessionWithThreePeers();
        var cid = Cids(1, 200)[0];
        d.Engine.WantBlocks(s, [cid], d.Now);
        var actions = d.Take();
        var target = Peers.Single(p => CoreDriver.EntriesTo(actions, p).Any(e => e.Cid == cid && e.WantType == WantType.Block));
        var others = Peers.Where(p => !p.Equals(target)).ToList();

        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(others[0], CoreDriver.Presence(cid, BlockPresenceType.DontHave), d.Now);
        d.Engine.MessageReceived(others[1], CoreDriver.Presence(cid, BlockPresenceType.Have), d.Now);
        Assert.Empty(d.Take().OfType<SendMessage>()); // the target has not answered: one want-block at a time

        d.Engine.MessageReceived(target, CoreDriver.Presence(cid, BlockPresenceType.DontHave), d.Now);
        var next = d.Take();
        Assert.Contains(CoreDriver.EntriesTo(next, others[1]), e => e.Cid == cid && e.WantType == WantType.Block);
        Assert.DoesNotContain(CoreDriver.EntriesTo(next, others[0]), e => e.Cid == cid && e.WantType == WantType.Block);
    }

    [Fact]
    public void A_peer_holding_our_want_block_is_never_sent_a_second_one()
    {
        var (d, s) = SessionWithThreePeers();
        var cid = Cids(1, 300)[0];
        d.Engine.WantBlocks(s, [cid], d.Now);
        var actions = d.Take();
        var target = Peers.Single(p => CoreDriver.EntriesTo(actions, p).Any(e => e.Cid == cid && e.WantType == WantType.Block));

        // Everyone says DONT_HAVE, then the first target gets the block and says HAVE.
        d.Now += TimeSpan.FromMilliseconds(5);
        foreach (var p in Peers) d.Engine.MessageReceived(p, CoreDriver.Presence(cid, BlockPresenceType.DontHave), d.Now);
        var wantBlocksSoFar = Peers.Count(p => CoreDriver.EntriesTo(d.Take(), p).Any(e => e.Cid == cid && e.WantType == WantType.Block));
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(target, CoreDriver.Presence(cid, BlockPresenceType.Have), d.Now);

        // Its ledger still holds our want-block (a subscription): it sends the block, we do not ask again.
        Assert.DoesNotContain(CoreDriver.EntriesTo(d.Take(), target), e => e.Cid == cid && e.WantType == WantType.Block);
        var block = Block.Compute(TestDags.RandomBytes(100, 300));
        d.Engine.MessageReceived(target, CoreDriver.Blocks(block), d.Now);
        Assert.Contains(d.Take(), a => a is BlockDelivered bd && bd.Block.Cid == cid);
        Assert.True(wantBlocksSoFar <= 2);
    }

    [Fact]
    public void Block_arrival_cancels_the_want_at_every_peer_that_was_asked()
    {
        var (d, s) = SessionWithThreePeers();
        var block = Block.Compute(TestDags.RandomBytes(100, 400));
        d.Engine.WantBlocks(s, [block.Cid], d.Now);
        var actions = d.Take();
        var target = Peers.Single(p => CoreDriver.EntriesTo(actions, p).Any(e => e.Cid == block.Cid && e.WantType == WantType.Block));
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(target, CoreDriver.Blocks(block), d.Now);
        var after = d.Take();
        foreach (var p in Peers.Where(p => !p.Equals(target)))
            Assert.Contains(CoreDriver.EntriesTo(after, p), e => e.Cid == block.Cid && e.Cancel);
        Assert.False(d.Engine.IsWanted(block.Cid));
        Assert.Equal(1, d.Engine.SessionWantCount(s)); // only the first want is left
    }

    [Fact]
    public void Want_priorities_to_a_peer_fall_in_the_order_they_are_sent_whatever_the_session()
    {
        var d = new CoreDriver(Immediate(BitswapStrategy.Bitswap12));
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        long s1 = d.Engine.StartSession(d.Now);
        long s2 = d.Engine.StartSession(d.Now);
        d.Engine.WantBlocks(s1, Cids(3, 500), d.Now);
        d.Engine.WantBlocks(s2, Cids(3, 600), d.Now);
        d.Engine.WantBlocks(s1, Cids(3, 700), d.Now);
        var priorities = CoreDriver.EntriesTo(d.Take(), B).Select(e => e.Priority).ToList();
        Assert.Equal(9, priorities.Count);
        for (int i = 1; i < priorities.Count; i++) Assert.True(priorities[i] < priorities[i - 1], $"priority {i} does not fall");
    }

    [Fact]
    public void A_have_for_a_block_we_already_received_brings_the_peer_into_the_session()
    {
        var d = new CoreDriver(Immediate(BitswapStrategy.Bitswap12));
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(C, BitswapProtocolVersion.V120, d.Now);
        long s = d.Engine.StartSession(d.Now);
        d.Engine.WantBlocks(s, [First.Cid, Cids(1, 810)[0]], d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(B, CoreDriver.Blocks(First), d.Now); // B answered the broadcast with the block
        d.Engine.MessageReceived(C, CoreDriver.Presence(First.Cid, BlockPresenceType.Have), d.Now); // too late, still useful
        d.Take();

        var cid = Cids(1, 800)[0];
        d.Engine.WantBlocks(s, [cid], d.Now);
        Assert.Contains(CoreDriver.EntriesTo(d.Take(), C), e => e.Cid == cid && !e.Cancel);
        Assert.Equal(2, d.Engine.GetSessionStats(s)!.PeersInSession);
    }

    [Fact]
    public void A_dag_walk_requests_32_blocks_at_a_time_and_the_next_as_each_arrives()
    {
        // 100 leaves of 1 KiB under one root.
        var content = TestDags.RandomBytes(100 * 1024, 900);
        var (root, blocks) = TestDags.Import(content, UnixFsImportOptions.KuboV1 with { ChunkSize = 1024 });
        var byCid = blocks.ToDictionary(b => b.Cid);
        var d = new CoreDriver(Immediate(BitswapStrategy.Bitswap12));
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        long s = d.Engine.FetchDag(root, DagPbLinkExtractor.Instance, d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(B, CoreDriver.Presence(root, BlockPresenceType.Have), d.Now);
        d.Engine.MessageReceived(B, CoreDriver.Blocks(byCid[root]), d.Now);
        var asked = CoreDriver.EntriesTo(d.Take(), B).Where(e => !e.Cancel && e.Cid != root).Select(e => e.Cid).Distinct().ToList();
        Assert.Equal(BitswapDefaults.DagWalkConcurrency, asked.Count);

        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(B, CoreDriver.Blocks(byCid[asked[0]]), d.Now);
        var next = CoreDriver.EntriesTo(d.Take(), B).Where(e => !e.Cancel).Select(e => e.Cid).Distinct().ToList();
        var fresh = Assert.Single(next);
        Assert.DoesNotContain(fresh, asked);
        Assert.Equal(blocks.Count - 2, d.Engine.SessionWantCount(s));
    }

    /// <summary>A 1.1 session wanting 40 blocks whose peers B, C, D and E were found as providers (no block yet,
    /// so the splitter still has its initial split of 2).</summary>
    private static (CoreDriver Driver, long Session, List<Cid> Wants, PeerId[] Everyone, List<BitswapAction> Broadcast, List<BitswapAction> Targeted) LegacySession()
    {
        var d = new CoreDriver(Immediate(BitswapStrategy.Bitswap11));
        var everyone = new[] { B, C, D, SimNet.MakePeerId("e") };
        foreach (var p in everyone) d.Engine.PeerConnected(p, BitswapProtocolVersion.V110, d.Now);
        long s = d.Engine.StartSession(d.Now);
        var wants = Enumerable.Range(0, 40).Select(i => Block.Compute(TestDags.RandomBytes(100, 1000 + i)).Cid).ToList();
        d.Engine.WantBlocks(s, wants, d.Now);
        var broadcast = d.Take();
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.ProvidersFound(wants[0], everyone, d.Now);
        return (d, s, wants, everyone, broadcast, d.Take());
    }

    [Fact]
    public void Bitswap_1_1_broadcasts_4_want_blocks_without_peers_and_keeps_32_live_with_them()
    {
        var (_, _, wants, everyone, broadcast, targeted) = LegacySession();
        foreach (var p in everyone)
        {
            var entries = CoreDriver.EntriesTo(broadcast, p);
            Assert.Equal(BitswapDefaults.LegacyBroadcastLiveWants, entries.Count);
            Assert.All(entries, e => Assert.Equal(WantType.Block, e.WantType));
        }
        var live = wants.Where(c => everyone.Any(p => CoreDriver.EntriesTo(broadcast.Concat(targeted), p).Any(e => e.Cid == c && !e.Cancel))).ToList();
        Assert.Equal(BitswapDefaults.LegacyTargetedLiveWants, live.Count);
    }

    [Fact]
    public void Bitswap_1_1_sends_each_new_want_to_one_group_of_the_split_peers()
    {
        var (_, _, wants, everyone, _, targeted) = LegacySession();
        var perWant = wants.Skip(BitswapDefaults.LegacyBroadcastLiveWants)
            .Select(c => everyone.Count(p => CoreDriver.EntriesTo(targeted, p).Any(e => e.Cid == c && !e.Cancel)))
            .Where(n => n > 0).ToList();
        Assert.Equal(BitswapDefaults.LegacyTargetedLiveWants - BitswapDefaults.LegacyBroadcastLiveWants, perWant.Count);
        Assert.All(perWant, n => Assert.Equal(everyone.Length / BitswapDefaults.LegacyInitialSplit, n));
    }

    [Fact]
    public void Bitswap_1_1_splits_wants_over_more_groups_when_duplicates_pile_up()
    {
        var (d, s, wants, everyone, _, _) = LegacySession();
        List<BitswapAction> last = [];
        for (int round = 0; round < 3; round++)
        {
            // One of the live wants arrives from every peer: one block and three duplicates.
            var block = Block.Compute(TestDags.RandomBytes(100, 1000 + round));
            d.Now += TimeSpan.FromMilliseconds(5);
            foreach (var p in everyone)
            {
                d.Engine.MessageReceived(p, CoreDriver.Blocks(block), d.Now);
                var actions = d.Take();
                if (p.Equals(everyone[0])) last = actions; // the unique block opens one slot
            }
        }
        // Two of every three blocks were duplicates: the split reached the peer count, so the want that took the
        // freed slot went to a single peer.
        var released = wants.Where(c => everyone.Any(p => CoreDriver.EntriesTo(last, p).Any(e => e.Cid == c && !e.Cancel))).ToList();
        var fresh = Assert.Single(released);
        Assert.Equal(1, everyone.Count(p => CoreDriver.EntriesTo(last, p).Any(e => e.Cid == fresh && !e.Cancel)));
        Assert.Equal(wants.Count - 3, d.Engine.SessionWantCount(s));
    }
}
