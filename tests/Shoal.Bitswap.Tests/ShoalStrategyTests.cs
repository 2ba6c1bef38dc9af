using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

/// <summary>The Shoal strategy's mechanisms, driven by hand on one core (no timing assertions: the Lab measures speed).</summary>
public class ShoalStrategyTests
{
    private static readonly PeerId Seeder = SimNet.MakePeerId("seeder");
    private static readonly PeerId Leecher = SimNet.MakePeerId("leecher");
    private static readonly PeerId P1 = SimNet.MakePeerId("p1");
    private static readonly PeerId P2 = SimNet.MakePeerId("p2");
    private static readonly PeerId P3 = SimNet.MakePeerId("p3");

    private static Block Raw(int size, int seed) => Block.Compute(TestDags.RandomBytes(size, seed));

    private static BitswapOptions Shoal => BitswapOptions.For(BitswapStrategy.Shoal, 3);

    private static BitswapMessage Haves(params Cid[] cids)
    {
        var m = new BitswapMessage();
        foreach (var c in cids) m.BlockPresences.Add(new BlockPresence(c, BlockPresenceType.Have));
        return m;
    }

    private static List<Cid> WantBlocksTo(IEnumerable<BitswapAction> actions, PeerId peer)
        => CoreDriver.EntriesTo(actions, peer).Where(e => !e.Cancel && e.WantType == WantType.Block).Select(e => e.Cid).ToList();

    [Fact]
    public void Want_haves_go_out_without_asking_for_dont_have_so_peers_keep_them_as_subscriptions()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(5000, 1);
        d.Engine.PeerConnected(Seeder, BitswapProtocolVersion.V120, d.Now);
        long s = d.StartFetch([Seeder], [x.Cid]);
        var entries = CoreDriver.EntriesTo(d.Take(), Seeder).Where(e => e.Cid == x.Cid).ToList();
        var have = Assert.Single(entries);
        Assert.Equal(WantType.Have, have.WantType);
        Assert.False(have.SendDontHave);
    }

    [Fact]
    public void A_seeder_is_asked_only_for_blocks_no_leecher_holds()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(5000, 2);
        var y = Raw(5000, 3);
        d.Engine.PeerConnected(Seeder, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(Leecher, BitswapProtocolVersion.V120, d.Now);
        // The leecher fetches too (it asks us about x), the seeder never asks for anything.
        d.Engine.MessageReceived(Leecher, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Have, false)), d.Now);
        long s = d.StartFetch([Seeder, Leecher], [x.Cid, y.Cid]);
        d.Take();
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(Leecher, Haves(x.Cid), d.Now);
        d.Engine.MessageReceived(Seeder, Haves(x.Cid, y.Cid), d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.Tick(d.Now);
        var actions = d.Take();
        Assert.Equal([y.Cid], WantBlocksTo(actions, Seeder));
        Assert.Equal([x.Cid], WantBlocksTo(actions, Leecher));
    }

    [Fact]
    public void A_want_at_the_seeder_moves_to_a_leecher_that_says_have()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(5000, 4);
        d.Engine.PeerConnected(Seeder, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(Leecher, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(Leecher, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Have, false)), d.Now);
        long s = d.StartFetch([Seeder, Leecher], [x.Cid]);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(Seeder, Haves(x.Cid), d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.Tick(d.Now);
        Assert.Equal([x.Cid], WantBlocksTo(d.Take(), Seeder));

        d.Engine.MessageReceived(Leecher, Haves(x.Cid), d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.Tick(d.Now);
        var actions = d.Take();
        Assert.Contains(CoreDriver.EntriesTo(actions, Seeder), e => e.Cancel && e.Cid == x.Cid);
        Assert.Equal([x.Cid], WantBlocksTo(actions, Leecher));
    }

    [Fact]
    public void Want_blocks_in_flight_at_one_peer_stop_at_its_window()
    {
        var d = new CoreDriver(Shoal);
        var blocks = Enumerable.Range(0, 3 * BitswapDefaults.ShoalInitialWindow).Select(i => Raw(5000, 100 + i)).ToList();
        d.Engine.PeerConnected(Seeder, BitswapProtocolVersion.V120, d.Now);
        long s = d.StartFetch([Seeder], blocks.Select(b => b.Cid).ToList());
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(Seeder, Haves(blocks.Select(b => b.Cid).ToArray()), d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.Tick(d.Now);
        var first = WantBlocksTo(d.Take(), Seeder);
        Assert.Equal(BitswapDefaults.ShoalInitialWindow, first.Count);

        // The window's blocks arrive: new want-blocks go out, never more than the window, none asked twice.
        d.Engine.MessageReceived(Seeder, CoreDriver.Blocks(blocks.Where(b => first.Contains(b.Cid)).ToArray()), d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.Tick(d.Now);
        var next = WantBlocksTo(d.Take(), Seeder);
        Assert.InRange(next.Count, 1, BitswapDefaults.ShoalMaxWindow);
        Assert.Empty(next.Intersect(first));
    }

    [Fact]
    public void A_seeder_serves_each_block_once_before_serving_any_twice()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(300_000, 5);
        var y = Raw(300_000, 6);
        d.Store.Put(x);
        d.Store.Put(y);
        d.Engine.PeerConnected(P1, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(P2, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(P1, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        var toP1 = d.Take().OfType<SendMessage>().Single(m => m.Peer.Equals(P1));
        Assert.Equal(x.Cid, Assert.Single(toP1.Message.Blocks).Cid);

        // P2 asks for x (already out once) and y (never sent): y goes first, x is held back.
        d.Engine.MessageReceived(P2, CoreDriver.Wants(
            WantlistEntry.Want(x.Cid, 2, WantType.Block, true),
            WantlistEntry.Want(y.Cid, 1, WantType.Block, true)), d.Now);
        var first = d.Take().OfType<SendMessage>().Where(m => m.Peer.Equals(P2)).ToList();
        Assert.Equal([y.Cid], first.SelectMany(m => m.Message.Blocks).Select(b => b.Cid).ToList());
        d.Engine.Tick(d.Now);
        Assert.Empty(d.Take().OfType<SendMessage>().Where(m => m.Peer.Equals(P2)).SelectMany(m => m.Message.Blocks));

        // Not for ever: after the deferral the second copy goes out (P2 may have nobody else to get it from).
        d.Now += BitswapDefaults.ShoalMaxDeferral;
        d.Engine.Tick(d.Now);
        var later = BlocksSentTo(d.Take(), P2);
        Assert.Equal([x.Cid], later);
    }

    [Fact]
    public void A_seeder_holds_nothing_back_for_a_peer_that_has_left_or_for_the_peer_that_got_the_block()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(300_000, 8);
        d.Store.Put(x);
        d.Engine.PeerConnected(P1, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(P1, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        var toP1 = d.Take().OfType<SendMessage>().Single(m => m.Peer.Equals(P1));
        Assert.Equal(x.Cid, Assert.Single(toP1.Message.Blocks).Cid);
        d.Engine.MessageSent(P1, toP1.ServerWork, d.Now);

        // P1 asks again (it lost the block): it is the holder, nobody else can serve it, so no hold-back.
        d.Engine.MessageReceived(P1, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        var again = d.Take().OfType<SendMessage>().Where(m => m.Peer.Equals(P1)).ToList();
        Assert.Equal([x.Cid], again.SelectMany(m => m.Message.Blocks).Select(b => b.Cid).ToList());
        d.Engine.MessageSent(P1, again[0].ServerWork, d.Now);

        // The seeder gets busy: two fresh blocks on their way to P3 (not acknowledged, so its uploads are in flight).
        var y = Raw(300_000, 9);
        var z = Raw(300_000, 10);
        d.Store.Put(y);
        d.Store.Put(z);
        d.Engine.PeerConnected(P3, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(P3, CoreDriver.Wants(
            WantlistEntry.Want(y.Cid, 2, WantType.Block, true),
            WantlistEntry.Want(z.Cid, 1, WantType.Block, true)), d.Now);
        Assert.Equal(2, d.Take().OfType<SendMessage>().Where(m => m.Peer.Equals(P3)).SelectMany(m => m.Message.Blocks).Count());

        // P1 leaves; P2 asks for x: the only copy out there is gone with P1, so x goes to P2 at once although
        // the seeder is busy.
        d.Engine.PeerDisconnected(P1, d.Now);
        d.Engine.PeerConnected(P2, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(P2, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        var toP2 = BlocksSentTo(d.Take(), P2);
        Assert.Equal([x.Cid], toP2);
    }

    [Fact]
    public void An_idle_seeder_serves_a_block_it_already_uploaded_at_once()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(300_000, 8);
        d.Store.Put(x);
        d.Engine.PeerConnected(P1, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(P2, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(P1, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        var toP1 = d.Take().OfType<SendMessage>().Single(m => m.Peer.Equals(P1));
        d.Engine.MessageSent(P1, toP1.ServerWork, d.Now);
        // Later someone fetches the same content again: nothing else to upload, so no holding back.
        d.Now += BitswapDefaults.ShoalHandOverGrace;
        d.Engine.MessageReceived(P2, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        var toP2 = BlocksSentTo(d.Take(), P2);
        Assert.Equal([x.Cid], toP2);
    }

    private static List<Cid> BlocksSentTo(IEnumerable<BitswapAction> actions, PeerId peer)
        => actions.OfType<SendMessage>().Where(m => m.Peer.Equals(peer)).SelectMany(m => m.Message.Blocks).Select(b => b.Cid).ToList();

    [Fact]
    public void An_idle_seeder_holds_a_second_copy_back_until_the_first_is_written_and_its_holder_could_say_have()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(300_000, 12);
        d.Store.Put(x);
        d.Engine.PeerConnected(P1, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(P2, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(P1, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        var toP1 = d.Take().OfType<SendMessage>().Single(m => m.Peer.Equals(P1));

        // P2 asks while the first copy is still being written: the seeder is idle, but x waits (P1 will say HAVE).
        d.Now += TimeSpan.FromMilliseconds(1);
        d.Engine.MessageReceived(P2, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        Assert.Empty(BlocksSentTo(d.Take(), P2));

        // Written: still held for the grace, time for P1's HAVE to reach P2 and P2's cancel to come back.
        d.Now += TimeSpan.FromMilliseconds(2);
        d.Engine.MessageSent(P1, toP1.ServerWork, d.Now);
        Assert.Empty(BlocksSentTo(d.Take(), P2));
        d.Now += BitswapDefaults.ShoalHandOverGrace - TimeSpan.FromMilliseconds(1);
        d.Engine.Tick(d.Now);
        Assert.Empty(BlocksSentTo(d.Take(), P2));

        // P2 did not cancel (it may have nobody else to ask): the second copy goes when the grace is over.
        d.Now += TimeSpan.FromMilliseconds(1);
        d.Engine.Tick(d.Now);
        Assert.Equal([x.Cid], BlocksSentTo(d.Take(), P2));
    }

    [Fact]
    public void An_idle_seeder_serves_a_block_many_peers_wait_for_as_soon_as_its_first_copy_is_written()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(300_000, 13);
        d.Store.Put(x);
        var askers = Enumerable.Range(0, BitswapDefaults.ShoalStarAskers).Select(i => SimNet.MakePeerId("asker-" + i)).ToList();
        d.Engine.PeerConnected(P1, BitswapProtocolVersion.V120, d.Now);
        foreach (var a in askers) d.Engine.PeerConnected(a, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(P1, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        var toP1 = d.Take().OfType<SendMessage>().Single(m => m.Peer.Equals(P1));
        foreach (var a in askers) d.Engine.MessageReceived(a, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        var waiting = d.Take();
        Assert.Empty(askers.SelectMany(a => BlocksSentTo(waiting, a)));

        // Its only holder would serve all of them at once: the idle seeder helps at once, within its idle budget.
        d.Now += TimeSpan.FromMilliseconds(2);
        d.Engine.MessageSent(P1, toP1.ServerWork, d.Now);
        var served = d.Take();
        Assert.InRange(askers.Count(a => BlocksSentTo(served, a).Contains(x.Cid)), 1, BitswapDefaults.ShoalEnvelopesPerPeer);
    }

    [Fact]
    public void A_want_nobody_is_known_to_hold_is_asked_again_everywhere_on_the_idle_tick()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(5000, 7);
        d.Engine.PeerConnected(P1, BitswapProtocolVersion.V120, d.Now);
        long s = d.StartFetch([P1], [x.Cid]);
        d.Take();
        // P1 dropped our subscription (a full ledger) and never answers; a new peer connects meanwhile.
        d.Engine.PeerConnected(P2, BitswapProtocolVersion.V120, d.Now);
        d.Take();
        for (int i = 0; i < 3; i++) d.FireNextTimer();
        var actions = d.Take();
        Assert.Contains(CoreDriver.EntriesTo(actions, P1), e => e.Cid == x.Cid && e.SendDontHave);
        Assert.Contains(CoreDriver.EntriesTo(actions, P2), e => e.Cid == x.Cid);
    }
    [Fact]
    public void A_small_block_answers_a_want_have_only_when_dont_have_was_asked_a_subscription_hears_have()
    {
        var d = new CoreDriver(Shoal);
        var small = Raw(BitswapDefaults.WantHaveReplaceSize, 11);
        d.Store.Put(small);
        d.Engine.PeerConnected(P1, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(P2, BitswapProtocolVersion.V120, d.Now);
        // P1 subscribes the Shoal way (no DONT_HAVE), as it does at every session peer: a HAVE, not the block
        // (every holder sending the block would be all duplicates).
        d.Engine.MessageReceived(P1, CoreDriver.Wants(WantlistEntry.Want(small.Cid, 1, WantType.Have, false)), d.Now);
        var toP1 = CoreDriver.MessagesTo(d.Take(), P1);
        Assert.Empty(toP1.SelectMany(m => m.Blocks));
        Assert.Contains(toP1.SelectMany(m => m.BlockPresences), p => p.Cid == small.Cid && p.Type == BlockPresenceType.Have);
        // P2 asks the boxo way (with DONT_HAVE): the block itself saves it a round trip.
        d.Engine.MessageReceived(P2, CoreDriver.Wants(WantlistEntry.Want(small.Cid, 1, WantType.Have, true)), d.Now);
        Assert.Contains(CoreDriver.MessagesTo(d.Take(), P2).SelectMany(m => m.Blocks), b => b.Cid == small.Cid);
    }

    [Fact]
    public void Leechers_ask_the_same_one_of_several_seeders_for_a_given_block()
    {
        var s1 = SimNet.MakePeerId("seeder-1");
        var s2 = SimNet.MakePeerId("seeder-2");
        var blocks = Enumerable.Range(0, 24).Select(i => Raw(5000, 200 + i)).ToDictionary(b => b.Cid);
        var cids = blocks.Keys.ToArray();
        var chosen = new List<Dictionary<Cid, PeerId>>();
        // Leechers with different random orders (different seeds); the seeders' HAVEs reach each in another order.
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var d = new CoreDriver(BitswapOptions.For(BitswapStrategy.Shoal, seed));
            d.Engine.PeerConnected(s1, BitswapProtocolVersion.V120, d.Now);
            d.Engine.PeerConnected(s2, BitswapProtocolVersion.V120, d.Now);
            long s = d.StartFetch([s1, s2], cids);
            d.Take();
            d.Now += TimeSpan.FromMilliseconds(5);
            var order = cids.ToArray();
            new Random(seed).Shuffle(order);
            d.Engine.MessageReceived(s1, Haves(order), d.Now);
            d.Engine.MessageReceived(s2, Haves(order.Reverse().ToArray()), d.Now);
            d.Now += TimeSpan.FromMilliseconds(5);
            d.Engine.Tick(d.Now);
            // The first want-blocks went to whichever seeder's HAVEs came first; the windows' next picks are choices.
            var first = d.Take();
            d.Engine.MessageReceived(s1, CoreDriver.Blocks(WantBlocksTo(first, s1).Select(c => blocks[c]).ToArray()), d.Now);
            d.Engine.MessageReceived(s2, CoreDriver.Blocks(WantBlocksTo(first, s2).Select(c => blocks[c]).ToArray()), d.Now);
            d.Now += TimeSpan.FromMilliseconds(5);
            d.Engine.Tick(d.Now);
            var next = d.Take();
            var map = new Dictionary<Cid, PeerId>();
            foreach (var c in WantBlocksTo(next, s1)) map.Add(c, s1);
            foreach (var c in WantBlocksTo(next, s2)) map.Add(c, s2);
            Assert.NotEmpty(map);
            chosen.Add(map);
        }
        // A block asked by two leechers was asked at the same seeder (which then holds the second copy back), and
        // both seeders get a share.
        int common = 0;
        for (int i = 0; i < chosen.Count; i++)
        {
            for (int j = i + 1; j < chosen.Count; j++)
            {
                foreach (var (cid, seeder) in chosen[i])
                {
                    if (!chosen[j].TryGetValue(cid, out var other)) continue;
                    common++;
                    Assert.Equal(seeder, other);
                }
            }
        }
        Assert.True(common > 0);
        Assert.Contains(chosen.SelectMany(m => m.Values), p => p.Equals(s1));
        Assert.Contains(chosen.SelectMany(m => m.Values), p => p.Equals(s2));
    }
    [Fact]
    public void Leaves_of_a_small_layer_do_not_go_before_leaves_of_a_big_one()
    {
        // Layer A: 12 leaves right under its root (depth 1). Layer B: 40 leaves under 5 inner nodes (depth 2).
        var a = TestDags.Import(TestDags.RandomBytes(12 * 1000, 31), new UnixFsImportOptions { ChunkSize = 1000, MaxLinks = 16 });
        var b = TestDags.Import(TestDags.RandomBytes(40 * 1000, 32), new UnixFsImportOptions { ChunkSize = 1000, MaxLinks = 8 });
        var all = a.Blocks.Concat(b.Blocks).ToDictionary(x => x.Cid);
        var leafOf = new DagPbLinkExtractor();
        bool IsLeaf(Cid c)
        {
            var links = new List<Cid>();
            leafOf.GetLinks(all[c], links);
            return links.Count == 0;
        }
        var aLeaves = a.Blocks.Select(x => x.Cid).Where(IsLeaf).ToHashSet();
        var bLeaves = b.Blocks.Select(x => x.Cid).Where(IsLeaf).ToHashSet();

        var d = new CoreDriver(Shoal);
        d.Engine.PeerConnected(P1, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(P1, CoreDriver.Wants(WantlistEntry.Want(Raw(10, 30).Cid, 1, WantType.Have, false)), d.Now);
        d.Engine.FetchDag(a.Root, DagPbLinkExtractor.Instance, d.Now);
        d.Engine.FetchDag(b.Root, DagPbLinkExtractor.Instance, d.Now);

        // P1 holds everything. It answers for roots, inner nodes and one leaf of each layer (so each session knows
        // its leaf depth) and serves what it is asked; the other leaves' HAVEs are held back.
        var heldBack = new List<Cid>();
        int servedLeaves = 0; // asked as want-blocks from the parent's sender while the leaf depth was unknown
        var firstLeaf = new HashSet<Cid> { aLeaves.First(), bLeaves.First() };
        for (int round = 0; round < 20; round++)
        {
            d.Now += TimeSpan.FromMilliseconds(5);
            d.Engine.Tick(d.Now);
            var actions = d.Take();
            var entries = CoreDriver.EntriesTo(actions, P1).Where(e => !e.Cancel).ToList();
            if (entries.Count == 0) break;
            var haves = new List<Cid>();
            foreach (var e in entries.Where(e => e.WantType == WantType.Have))
            {
                if ((aLeaves.Contains(e.Cid) || bLeaves.Contains(e.Cid)) && !firstLeaf.Contains(e.Cid)) heldBack.Add(e.Cid);
                else haves.Add(e.Cid);
            }
            var served = entries.Where(e => e.WantType == WantType.Block).Select(e => all[e.Cid]).ToArray();
            servedLeaves += served.Count(x => (aLeaves.Contains(x.Cid) || bLeaves.Contains(x.Cid)) && !firstLeaf.Contains(x.Cid));
            if (served.Length > 0) d.Engine.MessageReceived(P1, CoreDriver.Blocks(served), d.Now);
            if (haves.Count > 0) d.Engine.MessageReceived(P1, Haves(haves.ToArray()), d.Now);
        }
        Assert.Equal(aLeaves.Count + bLeaves.Count - 2 - servedLeaves, heldBack.Count);
        heldBack.RemoveAll(c => d.Engine.IsWanted(c) is false);

        // Every leaf is now known to be at P1. Its HAVEs name layer A's first: those fill the window at once.
        var ordered = heldBack.OrderBy(c => bLeaves.Contains(c)).ToArray();
        d.Engine.MessageReceived(P1, Haves(ordered), d.Now);
        var first = WantBlocksTo(d.Take(), P1);
        Assert.All(first, c => Assert.Contains(c, aLeaves));
        Assert.True(first.Count < heldBack.Count(aLeaves.Contains), "layer A must still have leaves waiting");

        // The window opens: the next picks are the rarest leaves in this node's random order, from both layers
        // (ranking depth first took all of layer A's before any of B's).
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(P1, CoreDriver.Blocks(first.Select(c => all[c]).ToArray()), d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.Tick(d.Now);
        var next = WantBlocksTo(d.Take(), P1);
        Assert.NotEmpty(next);
        Assert.Contains(next, c => bLeaves.Contains(c));
    }
    /// <summary>A root -> 5 inner nodes -> 40 leaves DAG fetched with <paramref name="holder"/> and <paramref name="other"/>
    /// connected: <paramref name="holder"/> says HAVE for the root and is asked for it (the root's children not yet known).</summary>
    private static (CoreDriver D, (Cid Root, List<Block> Blocks) Dag, Dictionary<Cid, Block> All, List<Cid> RootLinks) FetchSmallDagFrom(
        PeerId holder, PeerId other, int seed, Action<CoreDriver, Cid>? beforeHave = null)
    {
        var dag = TestDags.Import(TestDags.RandomBytes(40 * 1000, seed), new UnixFsImportOptions { ChunkSize = 1000, MaxLinks = 8 });
        var all = dag.Blocks.ToDictionary(x => x.Cid);
        var rootLinks = new List<Cid>();
        DagPbLinkExtractor.Instance.GetLinks(all[dag.Root], rootLinks);
        var d = new CoreDriver(Shoal);
        d.Engine.PeerConnected(holder, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(other, BitswapProtocolVersion.V120, d.Now);
        d.Engine.FetchDag(dag.Root, DagPbLinkExtractor.Instance, d.Now);
        beforeHave?.Invoke(d, dag.Root);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(holder, Haves(dag.Root), d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.Tick(d.Now);
        Assert.Equal([dag.Root], WantBlocksTo(d.Take(), holder));
        return (d, dag, all, rootLinks);
    }

    [Fact]
    public void The_peer_that_sent_a_block_is_asked_for_its_inner_children_before_saying_have()
    {
        var (d, dag, all, rootLinks) = FetchSmallDagFrom(P1, P2, seed: 33);

        // P1 sends the root: its children go to P1 as want-blocks at once (no HAVE round trip first), and to
        // nobody else; P2 only hears want-haves.
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(P1, CoreDriver.Blocks(all[dag.Root]), d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.Tick(d.Now);
        var actions = d.Take();
        var toP1 = WantBlocksTo(actions, P1);
        Assert.NotEmpty(toP1);
        Assert.All(toP1, c => Assert.Contains(c, rootLinks));
        Assert.Empty(WantBlocksTo(actions, P2));
    }

    [Fact]
    public void A_block_one_busy_peer_holds_is_asked_for_by_two_of_its_fetchers_at_a_time_the_same_two_on_every_node()
    {
        var holder = SimNet.MakePeerId("holder");
        // Fewer peers than a large swarm (BitswapDefaults.ShoalLargeSwarmPeers), whose end window would take one want at a time.
        var fetchers = Enumerable.Range(0, BitswapDefaults.ShoalLargeSwarmPeers - 2).Select(i => SimNet.MakePeerId("fetcher-" + i)).ToArray();
        var x = Raw(5000, 40);
        var other = Raw(5000, 41);
        var filler = Enumerable.Range(0, BitswapDefaults.ShoalInitialWindow).Select(i => Raw(5000, 50 + i)).ToArray();
        var waiting = new List<CoreDriver>();
        int asked = 0;
        for (int i = 0; i < fetchers.Length; i++)
        {
            // One core per fetcher: the holder and the other fetchers are fetching too (each asked it about a block).
            var d = new CoreDriver(BitswapOptions.For(BitswapStrategy.Shoal, i + 1), fetchers[i]);
            var peers = fetchers.Where((_, j) => j != i).Prepend(holder).ToArray();
            foreach (var p in peers)
            {
                d.Engine.PeerConnected(p, BitswapProtocolVersion.V120, d.Now);
                var about = p.Equals(holder) ? other.Cid : x.Cid;
                d.Engine.MessageReceived(p, CoreDriver.Wants(WantlistEntry.Want(about, 1, WantType.Have, false)), d.Now);
            }
            long s = d.StartFetch(peers, filler.Select(b => b.Cid).Append(x.Cid).ToList());
            d.Take();
            // The holder fills our window with the filler blocks (it was idle for us, so they go at once), then says it
            // has x too; the filler blocks arrive and open the window.
            d.Now += TimeSpan.FromMilliseconds(5);
            d.Engine.MessageReceived(holder, Haves(filler.Select(b => b.Cid).ToArray()), d.Now);
            Assert.Equal(filler.Length, WantBlocksTo(d.Take(), holder).Count);
            d.Engine.MessageReceived(holder, Haves(x.Cid), d.Now);
            d.Now += TimeSpan.FromMilliseconds(2);
            d.Engine.MessageReceived(holder, CoreDriver.Blocks(filler), d.Now);
            if (WantBlocksTo(d.Take(), holder).Contains(x.Cid)) asked++;
            else waiting.Add(d);
        }
        // Every node ranks the fetchers alike, so fanout × 1 holder of them ask now, not all of them.
        Assert.Equal(BitswapDefaults.ShoalTreeFanout, asked);

        // The others ask once the holders have not changed for the tree wait (nothing else happens meanwhile).
        foreach (var d in waiting)
        {
            d.AdvanceTo(d.Now + BitswapDefaults.ShoalTreeWait);
            Assert.Contains(x.Cid, WantBlocksTo(d.Take(), holder));
        }
    }

    [Fact]
    public void A_seeder_window_takes_first_the_blocks_this_node_ranks_first_to_ask_for()
    {
        var fetchers = Enumerable.Range(0, 4).Select(i => SimNet.MakePeerId("ranked-" + i)).ToArray();
        var blocks = Enumerable.Range(0, 40).Select(i => Raw(5000, 300 + i)).ToArray();
        var other = Raw(5000, 299);
        for (int i = 0; i < fetchers.Length; i++)
        {
            var d = new CoreDriver(BitswapOptions.For(BitswapStrategy.Shoal, i + 1), fetchers[i]);
            var others = fetchers.Where((_, j) => j != i).ToArray();
            d.Engine.PeerConnected(Seeder, BitswapProtocolVersion.V120, d.Now);
            foreach (var p in others)
            {
                // The other fetchers are fetching too (each asked us about a block); none holds any of ours.
                d.Engine.PeerConnected(p, BitswapProtocolVersion.V120, d.Now);
                d.Engine.MessageReceived(p, CoreDriver.Wants(WantlistEntry.Want(other.Cid, 1, WantType.Have, false)), d.Now);
            }
            long s = d.StartFetch(others.Prepend(Seeder).ToArray(), blocks.Select(b => b.Cid).ToList());
            d.Take();
            d.Now += TimeSpan.FromMilliseconds(5);
            d.Engine.MessageReceived(Seeder, Haves(blocks.Select(b => b.Cid).ToArray()), d.Now);
            // The seeder had nothing for us before its HAVEs, so they are used at once (in message order); its window
            // opens again when those blocks arrive, and then the rule chooses.
            var first = WantBlocksTo(d.Take(), Seeder);
            Assert.Equal(BitswapDefaults.ShoalInitialWindow, first.Count);
            d.Now += TimeSpan.FromMilliseconds(5);
            d.Engine.MessageReceived(Seeder, CoreDriver.Blocks(blocks.Where(b => first.Contains(b.Cid)).ToArray()), d.Now);
            d.Now += TimeSpan.FromMilliseconds(1);
            d.Engine.Tick(d.Now);
            var asked = WantBlocksTo(d.Take(), Seeder);
            // The tree rule lets the two fetchers ranked first and second ask the seeder for each block; the window goes to
            // the blocks for which this node ranks first (about ten of the forty here), so the seeder is not asked twice.
            Assert.NotEmpty(asked);
            foreach (var c in asked)
            {
                ulong mine = BitswapEngine.RendezvousScoreShoal(c, fetchers[i]);
                Assert.All(others, p => Assert.True(BitswapEngine.RendezvousScoreShoal(c, p) < mine));
            }
        }
    }

    [Fact]
    public void The_cancel_of_a_subscription_waits_for_company_and_rides_with_the_next_want()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(5000, 60);
        var y = Raw(5000, 61);
        var z = Raw(5000, 62);
        d.Engine.PeerConnected(P1, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(P2, BitswapProtocolVersion.V120, d.Now);
        long s = d.StartFetch([P1, P2], [x.Cid, y.Cid]);
        d.Take();
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(P1, Haves(x.Cid), d.Now);
        Assert.Equal([x.Cid], WantBlocksTo(d.Take(), P1));

        // x arrives from P1: P2 still holds our want-have for x (a subscription); its cancel is not sent alone at once.
        d.Now += TimeSpan.FromMilliseconds(2);
        d.Engine.MessageReceived(P1, CoreDriver.Blocks(x), d.Now);
        Assert.Empty(CoreDriver.EntriesTo(d.Take(), P2));

        // A want for P2 goes out before the delay ends: the cancel rides with it, in one message.
        d.Now += TimeSpan.FromMilliseconds(1);
        d.Engine.WantBlocks(s, [z.Cid], d.Now);
        var toP2 = CoreDriver.MessagesTo(d.Take(), P2);
        var message = Assert.Single(toP2);
        Assert.Contains(message.Wantlist, e => e.Cancel && e.Cid == x.Cid);
        Assert.Contains(message.Wantlist, e => !e.Cancel && e.Cid == z.Cid);

        // y arrives: its subscription's cancel at P2 goes alone once the delay has passed.
        d.Now += TimeSpan.FromMilliseconds(1);
        d.Engine.MessageReceived(P1, CoreDriver.Blocks(y), d.Now);
        Assert.Empty(CoreDriver.EntriesTo(d.Take(), P2));
        d.AdvanceTo(d.Now + Shoal.ShoalCancelDelay);
        Assert.Contains(CoreDriver.EntriesTo(d.Take(), P2), e => e.Cancel && e.Cid == y.Cid);
    }

    [Fact]
    public void A_peer_that_says_have_loses_its_subscription_here_so_no_have_is_pushed_to_it()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(5000, 70);
        d.Connect(P1, P2);
        // Both subscribe to x, which we lack.
        d.SubscribeFrom(P1, x.Cid);
        d.SubscribeFrom(P2, x.Cid);
        d.Take();
        // P1 got x meanwhile and tells us: it cannot want x any more.
        d.Now += TimeSpan.FromMilliseconds(1);
        d.Engine.MessageReceived(P1, Haves(x.Cid), d.Now);
        Assert.DoesNotContain(d.Engine.WantsOf(P1), w => w.Cid == x.Cid);
        // We get x: only P2, still lacking it, hears our HAVE.
        d.Now += TimeSpan.FromMilliseconds(1);
        d.Store.Put(x);
        d.Engine.BlockStored(x, d.Now);
        var actions = d.Take();
        Assert.Empty(CoreDriver.MessagesTo(actions, P1).SelectMany(m => m.BlockPresences));
        Assert.Contains(CoreDriver.MessagesTo(actions, P2).SelectMany(m => m.BlockPresences), p => p.Cid == x.Cid && p.Type == BlockPresenceType.Have);
    }

    [Fact]
    public void No_cancel_goes_to_a_peer_that_answered_our_want_have_with_have_or_that_our_have_push_reaches()
    {
        var d = new CoreDriver(Shoal);
        var x = Raw(5000, 71);
        d.Connect(P1, P2, P3);
        d.StartFetch([P1, P2, P3], [x.Cid]);
        d.Take();
        // P3 fetches x too and subscribes here; P1 and P2 hold x.
        d.SubscribeFrom(P3, x.Cid);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(P1, Haves(x.Cid), d.Now);
        d.Engine.MessageReceived(P2, Haves(x.Cid), d.Now);
        var asked = d.Take();
        var holder = WantBlocksTo(asked, P1).Contains(x.Cid) ? P1 : P2;
        var other = holder == P1 ? P2 : P1;

        d.Now += TimeSpan.FromMilliseconds(2);
        d.Engine.MessageReceived(holder, CoreDriver.Blocks(x), d.Now);
        var actions = d.Take();
        d.AdvanceTo(d.Now + Shoal.ShoalCancelDelay + TimeSpan.FromMilliseconds(1));
        actions.AddRange(d.Take());
        // The other holder dropped our want-have when it said HAVE: nothing to cancel there.
        Assert.DoesNotContain(CoreDriver.EntriesTo(actions, other), e => e.Cancel && e.Cid == x.Cid);
        // P3 hears our HAVE for x, which ends our subscription there too: no cancel on top.
        Assert.Contains(CoreDriver.MessagesTo(actions, P3).SelectMany(m => m.BlockPresences), p => p.Cid == x.Cid && p.Type == BlockPresenceType.Have);
        Assert.DoesNotContain(CoreDriver.EntriesTo(actions, P3), e => e.Cancel && e.Cid == x.Cid);
    }

    [Fact]
    public void A_peer_that_never_asked_us_and_has_the_root_is_taken_to_hold_the_whole_dag_until_it_says_dont_have()
    {
        // The leecher fetches the same DAG (it asks us about the root); the seeder never asks for anything.
        var (d, dag, all, rootLinks) = FetchSmallDagFrom(Seeder, Leecher, seed: 70,
            beforeHave: (d, root) => d.Engine.MessageReceived(Leecher, CoreDriver.Wants(WantlistEntry.Want(root, 1, WantType.Have, false)), d.Now));

        // The root arrives: the seeder said HAVE for it, so it is not asked whether it has the children (no want-haves,
        // no HAVE answers taking its uplink); it is asked for them. The leecher subscribes to every child.
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(Seeder, CoreDriver.Blocks(all[dag.Root]), d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.Tick(d.Now);
        var actions = d.Take();
        Assert.DoesNotContain(CoreDriver.EntriesTo(actions, Seeder), e => !e.Cancel && e.WantType == WantType.Have);
        var asked = WantBlocksTo(actions, Seeder);
        Assert.NotEmpty(asked);
        Assert.All(asked, c => Assert.Contains(c, rootLinks));
        Assert.Equal(rootLinks.Order().ToList(),
            CoreDriver.EntriesTo(actions, Leecher).Where(e => !e.Cancel && e.WantType == WantType.Have).Select(e => e.Cid).Order().ToList());

        // The seeder says DONT_HAVE for one of them: the guess was wrong, the children not asked for go to it as want-haves
        // (one may be asked for at once instead: it came from the seeder's block, see the parent rule).
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(Seeder, CoreDriver.Presence(asked[0], BlockPresenceType.DontHave), d.Now);
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.Tick(d.Now);
        var haves = CoreDriver.EntriesTo(d.Take(), Seeder).Where(e => !e.Cancel && e.WantType == WantType.Have).Select(e => e.Cid).ToList();
        Assert.NotEmpty(haves);
        Assert.All(haves, c => Assert.Contains(c, rootLinks.Except(asked)));
    }

    [Fact]
    public void Want_blocks_a_seeder_reports_queued_for_us_leave_room_for_more_in_our_window_there()
    {
        var blocks = Enumerable.Range(0, 12).Select(i => Raw(5000, 80 + i)).ToList();
        var cids = blocks.Select(b => b.Cid).ToList();

        // The same fetch twice; the seeder's first block says it has nothing queued for us, or two blocks' worth and more.
        List<Cid> NewWantsAfterFirstBlock(int pendingBytes)
        {
            var d = new CoreDriver(Shoal);
            d.Engine.PeerConnected(Seeder, BitswapProtocolVersion.V120, d.Now);
            d.StartFetch([Seeder], cids);
            d.Now += TimeSpan.FromMilliseconds(5);
            d.Engine.MessageReceived(Seeder, Haves([.. cids]), d.Now);
            d.Now += TimeSpan.FromMilliseconds(5);
            d.Engine.Tick(d.Now);
            var first = WantBlocksTo(d.Take(), Seeder);
            Assert.Equal(BitswapDefaults.ShoalInitialWindow, first.Count);
            d.Now += TimeSpan.FromMilliseconds(5);
            var answer = CoreDriver.Blocks(blocks.First(b => b.Cid == first[0]));
            answer.PendingBytes = pendingBytes;
            d.Engine.MessageReceived(Seeder, answer, d.Now);
            d.Now += TimeSpan.FromMilliseconds(5);
            d.Engine.Tick(d.Now);
            return WantBlocksTo(d.Take(), Seeder);
        }

        var plain = NewWantsAfterFirstBlock(0);
        var queued = NewWantsAfterFirstBlock(10 * 1024 * 1024);
        Assert.InRange(queued.Count, plain.Count + 1, plain.Count + BitswapDefaults.ShoalSeederQueuedAllowance);
    }

    [Fact]
    public void A_seeder_with_nothing_fresh_left_serves_handed_over_copies_to_more_than_two_peers_at_once()
    {
        var d = new CoreDriver(Shoal);
        var xs = Enumerable.Range(0, 4).Select(i => Raw(300_000, 90 + i)).ToList();
        foreach (var x in xs) d.Store.Put(x);
        var holders = Enumerable.Range(0, xs.Count).Select(i => SimNet.MakePeerId("holder-" + i)).ToList();
        var askers = Enumerable.Range(0, xs.Count).Select(i => SimNet.MakePeerId("asker-" + i)).ToList();
        foreach (var p in holders.Concat(askers)) d.Engine.PeerConnected(p, BitswapProtocolVersion.V120, d.Now);

        // Every block goes out once, and each first copy is written.
        for (int i = 0; i < xs.Count; i++)
        {
            d.Engine.MessageReceived(holders[i], CoreDriver.Wants(WantlistEntry.Want(xs[i].Cid, 1, WantType.Block, true)), d.Now);
            var sent = d.Take().OfType<SendMessage>().Single(m => m.Peer.Equals(holders[i]));
            d.Engine.MessageSent(holders[i], sent.ServerWork, d.Now);
        }

        // One more peer asks for each block (too few per block to count as a star): held back for the hand-over grace.
        for (int i = 0; i < xs.Count; i++)
            d.Engine.MessageReceived(askers[i], CoreDriver.Wants(WantlistEntry.Want(xs[i].Cid, 1, WantType.Block, true)), d.Now);
        Assert.Empty(askers.SelectMany(a => BlocksSentTo(d.Take(), a)));

        // Grace over, nothing fresh asked for since: the transfer is draining, and the idle seeder serves all four at
        // once instead of two at a time.
        d.Now += BitswapDefaults.ShoalHandOverGrace + BitswapDefaults.ShoalDrainQuiet;
        d.Engine.Tick(d.Now);
        var served = d.Take();
        Assert.Equal(xs.Count, askers.Count(a => BlocksSentTo(served, a).Count == 1));
    }

    private static PeerId[] Swarm(int n) => Enumerable.Range(0, n).Select(i => SimNet.MakePeerId($"swarm-{i}")).ToArray();

    [Theory]
    [InlineData(8, true)]
    [InlineData(3, false)]
    public void In_a_large_swarm_a_seeder_chooses_a_peers_next_block_when_its_connection_frees(int peers, bool large)
    {
        var d = new CoreDriver(Shoal);
        var swarm = Swarm(peers);
        d.Connect(swarm);
        var (x, y, z) = (Raw(300_000, 400), Raw(300_000, 401), Raw(300_000, 402));
        foreach (var b in new[] { x, y, z }) d.Store.Put(b);
        d.Engine.MessageReceived(swarm[0], CoreDriver.Wants(
            WantlistEntry.Want(x.Cid, 10, WantType.Block, true),
            WantlistEntry.Want(y.Cid, 9, WantType.Block, true)), d.Now);
        var first = d.Take().OfType<SendMessage>().Where(m => m.Peer.Equals(swarm[0]) && m.Message.Blocks.Count > 0).ToList();
        Assert.Equal(large ? BitswapDefaults.ShoalLargeSwarmEnvelopesPerPeer : BitswapDefaults.ShoalEnvelopesPerPeer, first.Count);

        // Another peer asks for y: in a large swarm y was not committed to the first peer yet, so it is fresh and goes;
        // with two envelopes per peer it is already on its way to the first peer and the second copy is held back.
        d.Engine.MessageReceived(swarm[1], CoreDriver.Wants(WantlistEntry.Want(y.Cid, 1, WantType.Block, true)), d.Now);
        Assert.Equal(large ? [y.Cid] : [], BlocksSentTo(d.Take(), swarm[1]));
        if (!large) return;

        // The first peer's connection frees: its next block is chosen now, a fresh one (z) before y, which is out there.
        d.Engine.MessageReceived(swarm[0], CoreDriver.Wants(WantlistEntry.Want(z.Cid, 1, WantType.Block, true)), d.Now);
        Assert.Empty(BlocksSentTo(d.Take(), swarm[0]));
        d.Engine.MessageSent(swarm[0], first[0].ServerWork, d.Now);
        Assert.Equal([z.Cid], BlocksSentTo(d.Take(), swarm[0]));
    }

    /// <summary>A node fetching <paramref name="wants"/> blocks in a swarm of eight whose first peer says HAVE for all of
    /// them; <paramref name="peersFetch"/>: every peer has a want queued here (they are fetching too), else none asked
    /// us anything; <paramref name="peersFinished"/>: they asked and then cancelled. Returns the want-blocks to the first.</summary>
    private static int WantBlocksToOneHolder(int wants, bool peersFetch, bool peersFinished = false)
    {
        var d = new CoreDriver(Shoal);
        var swarm = Swarm(8);
        d.Connect(swarm);
        var theirs = Raw(1000, 599);
        if (peersFetch || peersFinished)
        {
            foreach (var p in swarm) d.SubscribeFrom(p, theirs.Cid);
            if (peersFinished)
            {
                foreach (var p in swarm) d.Engine.MessageReceived(p, CoreDriver.Wants(WantlistEntry.CancelOf(theirs.Cid)), d.Now);
            }
        }
        var blocks = Enumerable.Range(0, wants).Select(i => Raw(2000, 600 + i)).ToList();
        d.StartFetch(swarm, blocks.Select(b => b.Cid).ToList());
        d.Take();
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(swarm[0], Haves(blocks.Select(b => b.Cid).ToArray()), d.Now);
        d.Engine.Tick(d.Now);
        return WantBlocksTo(d.Take(), swarm[0]).Count;
    }

    [Fact]
    public void Near_the_end_in_a_large_swarm_a_fetching_holder_gets_one_want_block_at_a_time()
    {
        // Few wants left, the holder is fetching too: one at a time (a second would wait behind the first there).
        Assert.Equal(1, WantBlocksToOneHolder(BitswapDefaults.ShoalEndgameWants, peersFetch: true));
        // Far from the end, or at a peer that does not fetch (a seeder, or a leecher that finished): the usual window.
        Assert.Equal(BitswapDefaults.ShoalInitialWindow, WantBlocksToOneHolder(BitswapDefaults.ShoalEndgameWants + 40, peersFetch: true));
        Assert.Equal(BitswapDefaults.ShoalInitialWindow, WantBlocksToOneHolder(BitswapDefaults.ShoalEndgameWants, peersFetch: false));
        Assert.Equal(BitswapDefaults.ShoalInitialWindow, WantBlocksToOneHolder(BitswapDefaults.ShoalEndgameWants, peersFetch: false, peersFinished: true));
    }

    private static readonly TimeSpan Lan = TimeSpan.FromMilliseconds(2);

    /// <summary>Five nodes of one region (the node under test is one of them).</summary>
    private static PeerId[] RegionOfFive()
        => Enumerable.Range(0, 4).Select(i => SimNet.MakePeerId($"near-{i}")).Append(SimNet.MakePeerId("self-region")).ToArray();
    private static readonly TimeSpan AcrossRegions = TimeSpan.FromMilliseconds(80);

    /// <summary>A node with <paramref name="near"/> peers in its region (2 ms) that want <paramref name="x"/> from it, and
    /// a far holder (80 ms) that says HAVE for it: returns the node's driver after the HAVE.</summary>
    private static CoreDriver FarHolderSaysHave(PeerId self, PeerId[] near, PeerId far, Block x)
    {
        var d = new CoreDriver(Shoal, self);
        d.Connect([.. near, far]);
        foreach (var p in near) d.Engine.PeerPathMeasured(p, Lan, d.Now);
        d.Engine.PeerPathMeasured(far, AcrossRegions, d.Now);
        foreach (var p in near) d.SubscribeFrom(p, x.Cid);
        d.SubscribeFrom(far, Raw(1000, 799).Cid); // the far holder fetches too (a leecher)
        d.StartFetch([.. near, far], [x.Cid]);
        d.Take();
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(far, Haves(x.Cid), d.Now);
        d.Engine.Tick(d.Now);
        return d;
    }

    [Fact]
    public void Across_regions_only_the_near_peer_that_ranks_first_fetches_a_block_the_others_wait_for_it_in_their_region()
    {
        var x = Raw(200_000, 800);
        var far = SimNet.MakePeerId("far");
        // Every node of the region ranks the same one first for x: only that one asks the far holder.
        var region = RegionOfFive();
        var first = region.MaxBy(p => BitswapEngine.RendezvousScoreShoal(x.Cid, p))!;
        int asked = 0;
        foreach (var self in region)
        {
            var d = FarHolderSaysHave(self, region.Where(p => !p.Equals(self)).ToArray(), far, x);
            bool asksFar = WantBlocksTo(d.Take(), far).Contains(x.Cid);
            Assert.Equal(self.Equals(first), asksFar);
            if (asksFar)
            {
                asked++;
                continue;
            }
            // The one that ranks first says HAVE: the block is fetched from it, inside the region.
            d.Now += TimeSpan.FromMilliseconds(100);
            d.Engine.MessageReceived(first, Haves(x.Cid), d.Now);
            d.Engine.Tick(d.Now);
            var actions = d.Take();
            Assert.Contains(x.Cid, WantBlocksTo(actions, first));
            Assert.DoesNotContain(x.Cid, WantBlocksTo(actions, far));
        }
        Assert.Equal(1, asked);
    }

    [Fact]
    public void A_node_left_waiting_for_its_region_asks_across_itself_after_the_region_wait()
    {
        var x = Raw(200_000, 801);
        var far = SimNet.MakePeerId("far");
        var region = RegionOfFive();
        var self = region.MinBy(p => BitswapEngine.RendezvousScoreShoal(x.Cid, p))!; // ranks last: waits
        var d = FarHolderSaysHave(self, region.Where(p => !p.Equals(self)).ToArray(), far, x);
        Assert.DoesNotContain(x.Cid, WantBlocksTo(d.Take(), far));
        d.AdvanceTo(d.Now + BitswapDefaults.ShoalRegionWait + TimeSpan.FromMilliseconds(1));
        Assert.Contains(x.Cid, WantBlocksTo(d.Take(), far));
    }

    [Fact]
    public void In_one_region_every_holder_is_near_and_is_asked_at_once()
    {
        var x = Raw(200_000, 802);
        var other = SimNet.MakePeerId("other");
        var region = RegionOfFive();
        var self = region.MinBy(p => BitswapEngine.RendezvousScoreShoal(x.Cid, p))!;
        var near = region.Where(p => !p.Equals(self)).ToArray();
        // Same set-up, but the holder's path is as short as the others': it is asked at once.
        var d = new CoreDriver(Shoal, self);
        var peers = near.Append(other).ToArray();
        d.Connect(peers);
        foreach (var p in peers) d.Engine.PeerPathMeasured(p, Lan, d.Now);
        foreach (var p in near) d.SubscribeFrom(p, x.Cid);
        d.SubscribeFrom(other, Raw(1000, 803).Cid);
        d.StartFetch(peers, [x.Cid]);
        d.Take();
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(other, Haves(x.Cid), d.Now);
        d.Engine.Tick(d.Now);
        Assert.Contains(x.Cid, WantBlocksTo(d.Take(), other));
    }

    [Fact]
    public void A_near_seeder_is_asked_for_a_block_only_far_leechers_hold_so_it_does_not_cross_back()
    {
        var x = Raw(200_000, 804);
        var seeder = SimNet.MakePeerId("near-seeder");
        var farLeecher = SimNet.MakePeerId("far-leecher");
        var d = new CoreDriver(Shoal);
        d.Connect(seeder, farLeecher);
        d.Engine.PeerPathMeasured(seeder, Lan, d.Now);
        d.Engine.PeerPathMeasured(farLeecher, AcrossRegions, d.Now);
        d.SubscribeFrom(farLeecher, Raw(1000, 805).Cid); // a leecher: it asked us for something
        d.StartFetch([seeder, farLeecher], [x.Cid]);
        d.Take();
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(seeder, Haves(x.Cid), d.Now);
        d.Engine.Tick(d.Now);
        Assert.Contains(x.Cid, WantBlocksTo(d.Take(), seeder));

        // A far leecher gets the block too: in one region the want would move to it (a seeder's upload is scarce), but
        // across regions it stays with the near seeder.
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(farLeecher, Haves(x.Cid), d.Now);
        d.Engine.Tick(d.Now);
        d.AdvanceTo(d.Now + TimeSpan.FromMilliseconds(50));
        var actions = d.Take();
        Assert.DoesNotContain(CoreDriver.EntriesTo(actions, seeder), e => e.Cancel && e.Cid == x.Cid);
        Assert.DoesNotContain(x.Cid, WantBlocksTo(actions, farLeecher));
    }
}

