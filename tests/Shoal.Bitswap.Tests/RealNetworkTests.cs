using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

/// <summary>What real daemons need beyond the simulator (issue 9's real-daemon duplicates): inputs taken in batches,
/// HAVE pushed on receipt, rates measured over spans, store writes off the loop, control messages before blocks.</summary>
public class RealNetworkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly PeerId B = SimNet.MakePeerId("b");
    private static readonly PeerId S = SimNet.MakePeerId("s");

    private static Block Raw(int size, int seed) => Block.Compute(TestDags.RandomBytes(size, seed));

    private static List<Cid> BlocksTo(IEnumerable<BitswapAction> actions, PeerId peer)
        => CoreDriver.MessagesTo(actions, peer).SelectMany(m => m.Blocks).Select(b => b.Cid).ToList();

    [Theory]
    [InlineData(BitswapStrategy.Bitswap12)]
    [InlineData(BitswapStrategy.Shoal)]
    public void A_cancel_queued_behind_its_want_block_in_one_batch_means_nothing_is_sent(BitswapStrategy strategy)
    {
        var x = Raw(100_000, 1);

        // One input at a time (the simulator's way): the want-block is served before its cancel is read.
        var single = new CoreDriver(BitswapOptions.For(strategy));
        single.Store.Put(x);
        single.Engine.PeerConnected(B, BitswapProtocolVersion.V120, single.Now);
        single.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), single.Now);
        single.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.CancelOf(x.Cid)), single.Now);
        Assert.Contains(x.Cid, BlocksTo(single.Take(), B));

        // Both queued on a busy daemon and given as one batch: the cancel removes the want before anything is served.
        var batched = new CoreDriver(BitswapOptions.For(strategy));
        batched.Store.Put(x);
        batched.Engine.PeerConnected(B, BitswapProtocolVersion.V120, batched.Now);
        batched.Take();
        batched.Engine.BeginBatch();
        batched.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), batched.Now);
        batched.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.CancelOf(x.Cid)), batched.Now);
        Assert.Empty(batched.Take()); // nothing decided inside the batch
        batched.Engine.EndBatch(batched.Now);
        Assert.Empty(BlocksTo(batched.Take(), B));
        Assert.Empty(batched.Engine.WantsOf(B));
    }

    [Fact]
    public void Work_of_a_batch_is_decided_when_it_ends()
    {
        var d = new CoreDriver(BitswapOptions.For(BitswapStrategy.Shoal));
        var x = Raw(100_000, 2);
        var y = Raw(100_000, 3);
        d.Store.Put(x);
        d.Store.Put(y);
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        d.Take();
        d.Engine.BeginBatch();
        d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(y.Cid, 1, WantType.Block, true)), d.Now);
        Assert.Throws<InvalidOperationException>(() => d.Engine.BeginBatch());
        d.Engine.EndBatch(d.Now);
        var sent = BlocksTo(d.Take(), B);
        Assert.Contains(x.Cid, sent);
        Assert.Contains(y.Cid, sent);
        Assert.Throws<InvalidOperationException>(() => d.Engine.EndBatch(d.Now));
    }

    [Fact]
    public void A_shoal_node_tells_subscribers_it_has_a_block_when_it_arrives_not_after_the_store_write()
    {
        var d = new CoreDriver(BitswapOptions.For(BitswapStrategy.Shoal));
        var x = Raw(100_000, 4);
        d.Engine.PeerConnected(S, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        long session = d.Engine.StartSession(d.Now);
        d.Engine.WantBlocks(session, [x.Cid], d.Now);
        // B subscribes (a want-have without DONT_HAVE, as a Shoal client asks every session peer).
        d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Have, false)), d.Now);
        d.Take();

        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(S, CoreDriver.Blocks(x), d.Now);
        var actions = d.Take();
        Assert.Contains(actions, a => a is StoreBlock sb && sb.Block.Cid == x.Cid); // written later by the host
        var have = CoreDriver.MessagesTo(actions, B).SelectMany(m => m.BlockPresences).ToList();
        Assert.Contains(have, p => p.Cid == x.Cid && p.Type == BlockPresenceType.Have);

        // The write completing later sends nothing twice.
        d.Store.Put(x);
        d.Engine.BlockStored(x, d.Now);
        Assert.DoesNotContain(CoreDriver.MessagesTo(d.Take(), B).SelectMany(m => m.BlockPresences), p => p.Cid == x.Cid);
    }

    [Fact]
    public void Bitswap_1_2_still_answers_subscribers_after_the_store_write_as_boxo_does()
    {
        var d = new CoreDriver(BitswapOptions.For(BitswapStrategy.Bitswap12));
        var x = Raw(100_000, 5);
        d.Engine.PeerConnected(S, BitswapProtocolVersion.V120, d.Now);
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        long session = d.Engine.StartSession(d.Now);
        d.Engine.WantBlocks(session, [x.Cid], d.Now);
        d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Have, false)), d.Now);
        d.Take();
        d.Engine.MessageReceived(S, CoreDriver.Blocks(x), d.Now);
        Assert.DoesNotContain(CoreDriver.MessagesTo(d.Take(), B).SelectMany(m => m.BlockPresences), p => p.Cid == x.Cid);
        d.Store.Put(x);
        d.Engine.BlockStored(x, d.Now);
        Assert.Contains(CoreDriver.MessagesTo(d.Take(), B).SelectMany(m => m.BlockPresences), p => p.Cid == x.Cid && p.Type == BlockPresenceType.Have);
    }

    /// <summary>A Shoal client fetching 48 blocks of 256 KiB from one peer that sends them in bursts of four at once
    /// (as a busy daemon handles queued blocks): the want-blocks it keeps at that peer.</summary>
    private static int WantBlocksOutstandingAfterBursts(BitswapOptions options)
    {
        var d = new CoreDriver(options);
        var blocks = Enumerable.Range(0, 48).Select(i => Raw(256 * 1024, 100 + i)).ToList();
        d.Engine.PeerConnected(S, BitswapProtocolVersion.V120, d.Now);
        long session = d.StartFetch([S], blocks.Select(b => b.Cid).ToList());
        var presences = new BitswapMessage();
        foreach (var b in blocks) presences.BlockPresences.Add(new BlockPresence(b.Cid, BlockPresenceType.Have));
        d.Now += TimeSpan.FromMilliseconds(5);
        d.Engine.MessageReceived(S, presences, d.Now);
        var asked = new Queue<Cid>();
        int most = 0;
        for (int round = 0; round < 10; round++)
        {
            foreach (var e in CoreDriver.EntriesTo(d.Take(), S).Where(e => !e.Cancel && e.WantType == WantType.Block)) asked.Enqueue(e.Cid);
            most = Math.Max(most, d.Engine.WantsSentTo(S).Count(w => w.Type == WantType.Block));
            d.Now += TimeSpan.FromMilliseconds(5);
            for (int i = 0; i < 4 && asked.Count > 0; i++)
            {
                var cid = asked.Dequeue();
                d.Engine.MessageReceived(S, CoreDriver.Blocks(blocks.First(b => b.Cid == cid)), d.Now + TimeSpan.FromTicks(i));
            }
        }
        return most;
    }

    [Fact]
    public void Rates_measured_over_a_span_do_not_read_a_burst_of_blocks_as_a_fast_link()
    {
        var perGap = WantBlocksOutstandingAfterBursts(BitswapOptions.For(BitswapStrategy.Shoal));
        var overSpan = WantBlocksOutstandingAfterBursts(BitswapOptions.For(BitswapStrategy.Shoal) with { RateSampleSpan = BitswapDefaults.RealNetworkRateSampleSpan });
        // Four blocks (1 MiB) every 5 ms is ~200 MB/s; per-block gaps of 100 ns read as terabytes per second.
        Assert.True(perGap >= 32, $"per-gap rates kept {perGap} want-blocks at the peer");
        Assert.True(overSpan <= 16, $"span rates kept {overSpan} want-blocks at the peer");
    }

    /// <summary>A store whose writes wait until released.</summary>
    private sealed class GatedStore : IBlockStore
    {
        private readonly MemoryBlockStore _inner = new();
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource WriteStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask PutAsync(Block block, CancellationToken ct = default)
        {
            WriteStarted.TrySetResult();
            await Release.Task.WaitAsync(ct);
            await _inner.PutAsync(block, ct);
        }

        public ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default) => _inner.HasAsync(cid, ct);
        public ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default) => _inner.GetAsync(cid, ct);
        public ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default) => _inner.GetSizeAsync(cid, ct);
        public ValueTask DeleteAsync(Cid cid, CancellationToken ct = default) => _inner.DeleteAsync(cid, ct);
        public IAsyncEnumerable<Cid> ListAsync(CancellationToken ct = default) => _inner.ListAsync(ct);
    }

    [Fact]
    public async Task A_slow_store_write_holds_back_the_fetch_result_but_not_the_answers_to_other_peers()
    {
        var hub = new InMemoryBitswapHub();
        var seederStore = new MemoryBlockStore();
        var slowStore = new GatedStore();
        var thirdStore = new MemoryBlockStore();
        await using var seederNet = hub.CreateEndpoint(SimNet.MakePeerId("seeder"));
        await using var leecherNet = hub.CreateEndpoint(SimNet.MakePeerId("leecher"));
        await using var thirdNet = hub.CreateEndpoint(SimNet.MakePeerId("third"));
        await using var seeder = new Bitswap(seederNet, seederStore);
        await using var leecher = new Bitswap(leecherNet, slowStore);
        await using var third = new Bitswap(thirdNet, thirdStore);
        seeder.Start();
        leecher.Start();
        third.Start();
        var x = Raw(200_000, 6);
        await seederStore.PutAsync(x);
        hub.Connect(seederNet.LocalPeer, leecherNet.LocalPeer);
        hub.Connect(leecherNet.LocalPeer, thirdNet.LocalPeer); // the third node can only get x from the leecher

        var fetch = leecher.FetchDagAsync(x.Cid);
        await slowStore.WriteStarted.Task.WaitAsync(Timeout);
        // The leecher's loop goes on while its write waits: it serves x from memory to the third node.
        var got = await third.GetBlockAsync(x.Cid).WaitAsync(Timeout);
        Assert.Equal(x.Data.ToArray(), got.Data.ToArray());
        Assert.False(fetch.IsCompleted, "the fetch finished before its block was in the store");
        Assert.False(await slowStore.HasAsync(x.Cid));

        slowStore.Release.SetResult();
        var result = await fetch.WaitAsync(Timeout);
        Assert.Equal(1, result.Blocks);
        Assert.True(await slowStore.HasAsync(x.Cid));
    }

    /// <summary>Passes messages through to an in-memory endpoint, recording the order they are written in; the first
    /// message with blocks waits until released.</summary>
    private sealed class GatedNetwork(InMemoryBitswapNetwork inner, int blockMessages) : IBitswapNetwork
    {
        public readonly TaskCompletionSource FirstBlockWriting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource AllBlocksWritten = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly List<BitswapMessage> Written = [];
        private int _blockMessages;

        public PeerId LocalPeer => inner.LocalPeer;
        public void Start(IBitswapNetworkListener listener) => inner.Start(listener);
        public Task ConnectAsync(PeerId peer, CancellationToken ct = default) => inner.ConnectAsync(peer, ct);
        public ValueTask DisconnectAsync(PeerId peer, CancellationToken ct = default) => inner.DisconnectAsync(peer, ct);
        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public async ValueTask SendMessageAsync(PeerId peer, BitswapMessage message, CancellationToken ct = default)
        {
            lock (Written) Written.Add(message);
            int n = message.Blocks.Count > 0 ? Interlocked.Increment(ref _blockMessages) : 0;
            if (n == 1)
            {
                FirstBlockWriting.TrySetResult();
                await Release.Task.WaitAsync(ct);
            }
            await inner.SendMessageAsync(peer, message, ct);
            if (n == blockMessages) AllBlocksWritten.TrySetResult();
        }
    }

    /// <summary>Records what an endpoint receives.</summary>
    private sealed class Recorder : IBitswapNetworkListener
    {
        public void OnPeerConnected(PeerId peer, BitswapProtocolVersion version) { }
        public void OnPeerDisconnected(PeerId peer) { }
        public ValueTask OnMessageReceivedAsync(PeerId peer, BitswapMessage message, CancellationToken ct) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Wants_and_presences_to_a_peer_go_before_its_queued_block_messages()
    {
        var hub = new InMemoryBitswapHub();
        var store = new MemoryBlockStore();
        await using var aInner = hub.CreateEndpoint(SimNet.MakePeerId("a"));
        var aNet = new GatedNetwork(aInner, blockMessages: 3);
        await using var bNet = hub.CreateEndpoint(SimNet.MakePeerId("b"));
        bNet.Start(new Recorder());
        await using var a = new Bitswap(aNet, store);
        a.Start();
        var blocks = Enumerable.Range(0, 3).Select(i => Raw(100_000, 10 + i)).ToList();
        foreach (var b in blocks) await store.PutAsync(b);
        hub.Connect(aNet.LocalPeer, bNet.LocalPeer);

        // b asks a for three blocks; a's first block message waits on the wire, the others queue behind it.
        var ask = new BitswapMessage();
        foreach (var b in blocks) ask.Wantlist.Add(WantlistEntry.Want(b.Cid, 1, WantType.Block, true));
        await bNet.SendMessageAsync(aNet.LocalPeer, ask);
        await aNet.FirstBlockWriting.Task.WaitAsync(Timeout);

        // Meanwhile a wants something: its want-have to b is queued after the blocks.
        var missing = Raw(10, 20).Cid;
        using var cts = new CancellationTokenSource();
        var pendingGet = a.GetBlockAsync(missing, cts.Token);
        while (!(await a.GetWantlistsAsync(bNet.LocalPeer).WaitAsync(Timeout)).WeWant.Any(w => w.Cid == missing)) { }

        aNet.Release.SetResult();
        await aNet.AllBlocksWritten.Task.WaitAsync(Timeout);
        List<BitswapMessage> written;
        lock (aNet.Written) written = aNet.Written.ToList();
        int wantAt = written.FindIndex(m => m.Wantlist.Any(e => e.Cid == missing));
        int firstBlock = written.FindIndex(m => m.Blocks.Count > 0);
        int lastBlock = written.FindLastIndex(m => m.Blocks.Count > 0);
        Assert.True(firstBlock < wantAt && wantAt < lastBlock, $"want at {wantAt}, blocks at {firstBlock}..{lastBlock}");
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pendingGet);
    }

    [Fact]
    public void Each_node_gets_its_own_random_seed_from_its_peer_id()
    {
        var seeds = Enumerable.Range(0, 16).Select(i => BitswapOptions.RandomSeedFor(SimNet.MakePeerId("node" + i))).ToList();
        Assert.Equal(seeds.Count, seeds.Distinct().Count());
        Assert.All(seeds, s => Assert.True(s >= 0));
        Assert.Equal(seeds[3], BitswapOptions.RandomSeedFor(SimNet.MakePeerId("node3"))); // the same node keeps its seed
    }

    [Fact]
    public void An_idle_seeder_on_a_real_network_holds_an_uploaded_block_until_askers_would_have_moved()
    {
        static (List<Cid> AtOnce, List<Cid> Later, CoreDriver Driver) Run(bool waitsForMoves, TimeSpan later)
        {
            var d = new CoreDriver(BitswapOptions.For(BitswapStrategy.Shoal) with { ShoalIdleWaitsForMoves = waitsForMoves });
            var x = Raw(100_000, 30);
            d.Store.Put(x);
            d.Engine.PeerConnected(S, BitswapProtocolVersion.V120, d.Now);
            d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
            // S gets x first; its envelope is written at once (the kernel took it), so the seeder looks idle.
            d.Engine.MessageReceived(S, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
            var toS = d.Take().OfType<SendMessage>().Single(m => m.Peer.Equals(S) && m.Message.Blocks.Count > 0);
            d.Now += TimeSpan.FromMilliseconds(1);
            d.Engine.MessageSent(S, toS.ServerWork, d.Now);
            // B asks for the same block: S will tell B it has it, and a Shoal client then moves its want to S.
            d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
            var atOnce = BlocksTo(d.Take(), B);
            d.AdvanceTo(d.Now + later);
            return (atOnce, BlocksTo(d.Take(), B), d);
        }

        // The simulator's rule: fewer than two envelopes in flight means idle, and idle serves an uploaded block once
        // its first copy is written and the holder's HAVE had time to move the asker (ShoalHandOverGrace).
        var sim = Run(waitsForMoves: false, BitswapDefaults.ShoalHandOverGrace);
        Assert.Empty(sim.AtOnce);
        Assert.Single(sim.Later);

        // Real network: held for the move time (100 ms assumed, plus twice its deviation), then served.
        var held = Run(waitsForMoves: true, TimeSpan.FromMilliseconds(150));
        Assert.Empty(held.AtOnce);
        Assert.Empty(held.Later);
        held.Driver.AdvanceTo(held.Driver.Now + TimeSpan.FromMilliseconds(100));
        Assert.Single(BlocksTo(held.Driver.Take(), B));

        // B's move (its cancel) withdraws it: nothing is sent, and the seeder learns how fast moves come.
        var moved = Run(waitsForMoves: true, TimeSpan.FromMilliseconds(20));
        moved.Driver.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.CancelOf(moved.Driver.Engine.WantsOf(B).Single().Cid)), moved.Driver.Now);
        moved.Driver.AdvanceTo(moved.Driver.Now + TimeSpan.FromSeconds(1));
        Assert.Empty(BlocksTo(moved.Driver.Take(), B));
    }

    [Fact]
    public void A_busy_seeder_on_a_real_network_that_learned_slow_moves_holds_uploaded_blocks_past_the_fixed_deferral()
    {
        // A seeder busy with two envelopes to C (never written) serves S fresh blocks; B asks for each right after S got
        // it and moves its want (cancels) 490 ms later: the seeder learns that moves take ~0.5 s. Then B asks for one
        // more uploaded block and does not move.
        static (List<Cid> At560Ms, List<Cid> At2100Ms) Run(bool waitsForMoves)
        {
            var c = SimNet.MakePeerId("c");
            var d = new CoreDriver(BitswapOptions.For(BitswapStrategy.Shoal) with { ShoalIdleWaitsForMoves = waitsForMoves });
            foreach (var p in new[] { S, B, c }) d.Engine.PeerConnected(p, BitswapProtocolVersion.V120, d.Now);
            var busy = new[] { Raw(200_000, 40), Raw(200_000, 41) };
            foreach (var b in busy) d.Store.Put(b);
            d.Engine.MessageReceived(c, CoreDriver.Wants([.. busy.Select(b => WantlistEntry.Want(b.Cid, 1, WantType.Block, true))]), d.Now);
            Assert.Equal(2, BlocksTo(d.Take(), c).Count);
            Block Upload(int seed)
            {
                var x = Raw(100_000, seed);
                d.Store.Put(x);
                d.Engine.MessageReceived(S, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
                var toS = d.Take().OfType<SendMessage>().Single(m => m.Peer.Equals(S) && m.Message.Blocks.Count > 0);
                d.Now += TimeSpan.FromMilliseconds(1);
                d.Engine.MessageSent(S, toS.ServerWork, d.Now);
                return x;
            }
            for (int i = 0; i < 24; i++)
            {
                var x = Upload(50 + i);
                d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
                d.AdvanceTo(d.Now + TimeSpan.FromMilliseconds(490));
                // In the simulator's model a seeder asked for nothing fresh for ShoalDrainQuiet is draining and serves
                // handed-over copies; on real hosts it holds them while it learns how long moves take.
                var toB = d.Take().OfType<SendMessage>().Where(m => m.Peer.Equals(B) && m.Message.Blocks.Count > 0).ToList();
                if (waitsForMoves) Assert.Empty(toB);
                foreach (var m in toB) d.Engine.MessageSent(B, m.ServerWork, d.Now);
                d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.CancelOf(x.Cid)), d.Now);
            }
            var y = Upload(99);
            var asked = d.Now;
            d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(y.Cid, 1, WantType.Block, true)), d.Now);
            d.AdvanceTo(asked + TimeSpan.FromMilliseconds(560));
            var early = BlocksTo(d.Take(), B);
            d.AdvanceTo(asked + TimeSpan.FromMilliseconds(2100));
            return (early, BlocksTo(d.Take(), B));
        }

        // The simulator's model: served within 560 ms (held at most ShoalMaxDeferral; here, with nothing fresh asked for,
        // as soon as it is handed over).
        var sim = Run(waitsForMoves: false);
        Assert.Single(sim.At560Ms);
        // Real hosts: held as long as moves were seen to take (mean + 2 deviations), here past 500 ms, and served by 2 s.
        var real = Run(waitsForMoves: true);
        Assert.Empty(real.At560Ms);
        Assert.Single(real.At2100Ms);
    }

    /// <summary>A clock that stands still and records the delays timers are asked for.</summary>
    private sealed class StillClock : TimeProvider
    {
        public readonly List<TimeSpan> Delays = [];
        public override long TimestampFrequency => 1_000_000;
        public override long GetTimestamp() => 5_000_000;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (Delays) Delays.Add(dueTime);
            return new NeverTimer();
        }

        private sealed class NeverTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    [Fact]
    public void A_paced_link_sends_block_messages_one_after_another_at_its_rate()
    {
        var clock = new StillClock();
        var up = new LinkPacer(1_000_000, clock); // 1 MB/s
        var first = up.TransmitAsync(500_000, arrived: false, CancellationToken.None);
        var second = up.TransmitAsync(250_000, arrived: false, CancellationToken.None);
        Assert.False(first.IsCompleted);
        Assert.Equal([TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(0.75)], clock.Delays); // the second waits for the first

        // A download link adds nothing when idle (the sender's link already took the message's time) and queues the
        // rest behind what it is still carrying.
        var downClock = new StillClock();
        var down = new LinkPacer(1_000_000, downClock);
        Assert.True(down.TransmitAsync(500_000, arrived: true, CancellationToken.None).IsCompletedSuccessfully);
        var queued = down.TransmitAsync(500_000, arrived: true, CancellationToken.None);
        Assert.False(queued.IsCompleted);
        Assert.Equal([TimeSpan.FromSeconds(0.5)], downClock.Delays);
    }

    /// <summary>Counts store lookups (each a file stat on a daemon).</summary>
    private sealed class CountingLookup : IBlockLookup
    {
        public readonly MemoryBlockLookup Inner = new();
        public int SizeLookups;
        public int GetSize(Cid cid) { SizeLookups++; return Inner.GetSize(cid); }
        public Block? Get(Cid cid) => Inner.Get(cid);
    }

    [Fact]
    public void A_want_have_for_a_block_this_node_is_fetching_needs_no_store_lookup()
    {
        var store = new CountingLookup();
        var engine = new BitswapEngine(SimNet.MakePeerId("self"), store, BitswapOptions.For(BitswapStrategy.Shoal));
        var x = Raw(100_000, 40);
        var now = TimeSpan.Zero;
        engine.PeerConnected(B, BitswapProtocolVersion.V120, now);
        long session = engine.StartSession(now);
        engine.WantBlocks(session, [x.Cid], now);
        int before = store.SizeLookups;
        engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Have, true)), now);
        Assert.Equal(before, store.SizeLookups);
        var answers = new List<BitswapAction>();
        engine.DrainActions(answers);
        Assert.Contains(CoreDriver.MessagesTo(answers, B).SelectMany(m => m.BlockPresences), p => p.Cid == x.Cid && p.Type == BlockPresenceType.DontHave);

        // A block it does not want is looked up.
        var y = Raw(100_000, 41);
        engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(y.Cid, 1, WantType.Have, true)), now);
        Assert.True(store.SizeLookups > before);
    }
}
