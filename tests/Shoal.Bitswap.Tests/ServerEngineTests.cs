using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

public class ServerEngineTests
{
    private static readonly PeerId B = SimNet.MakePeerId("b");
    private static readonly PeerId C = SimNet.MakePeerId("c");

    private static Block Raw(int size, int seed) => Block.Compute(TestDags.RandomBytes(size, seed));

    [Fact]
    public void Want_have_for_a_small_block_is_answered_with_the_block_and_for_a_large_one_with_have()
    {
        var d = new CoreDriver();
        var small = Raw(BitswapDefaults.WantHaveReplaceSize, 1);
        var large = Raw(BitswapDefaults.WantHaveReplaceSize + 1, 2);
        d.Store.Put(small);
        d.Store.Put(large);
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(B, CoreDriver.Wants(
            WantlistEntry.Want(small.Cid, 1, WantType.Have, true),
            WantlistEntry.Want(large.Cid, 1, WantType.Have, true)), d.Now);
        var msgs = CoreDriver.MessagesTo(d.Take(), B);
        Assert.Contains(msgs.SelectMany(m => m.Blocks), b => b.Cid == small.Cid);
        Assert.DoesNotContain(msgs.SelectMany(m => m.Blocks), b => b.Cid == large.Cid);
        Assert.Contains(msgs.SelectMany(m => m.BlockPresences), p => p.Cid == large.Cid && p.Type == BlockPresenceType.Have);
    }

    [Fact]
    public void Dont_have_is_sent_only_when_asked_and_the_want_stays_as_a_subscription()
    {
        var d = new CoreDriver();
        var x = Raw(5000, 3);
        var y = Raw(5000, 4);
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(B, CoreDriver.Wants(
            WantlistEntry.Want(x.Cid, 1, WantType.Block, sendDontHave: true),
            WantlistEntry.Want(y.Cid, 1, WantType.Block, sendDontHave: false)), d.Now);
        var presences = CoreDriver.MessagesTo(d.Take(), B).SelectMany(m => m.BlockPresences).ToList();
        var dh = Assert.Single(presences);
        Assert.Equal((x.Cid, BlockPresenceType.DontHave), (dh.Cid, dh.Type));

        // The blocks arrive later (fetched or added): both subscribers are served at once.
        d.Store.Put(x);
        d.Engine.BlockStored(x, d.Now);
        d.Store.Put(y);
        d.Engine.BlockStored(y, d.Now);
        var blocks = CoreDriver.MessagesTo(d.Take(), B).SelectMany(m => m.Blocks).Select(b => b.Cid).ToList();
        Assert.Contains(x.Cid, blocks);
        Assert.Contains(y.Cid, blocks);
        Assert.Empty(d.Engine.WantsOf(B)); // served wants leave the ledger
    }

    [Fact]
    public void Want_have_and_want_block_for_one_cid_merge_into_one_block()
    {
        var d = new CoreDriver(new BitswapOptions { MaxConcurrentEnvelopes = 0 }); // hold answers in the queue
        var x = Raw(50_000, 5);
        d.Store.Put(x);
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Have, true)), d.Now);
        d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        Assert.Equal(50_000, d.Engine.PendingBytesFor(B));
    }

    [Fact]
    public void Cancel_removes_queued_work()
    {
        var d = new CoreDriver(new BitswapOptions { MaxConcurrentEnvelopes = 0 });
        var x = Raw(50_000, 6);
        d.Store.Put(x);
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(x.Cid, 1, WantType.Block, true)), d.Now);
        d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.CancelOf(x.Cid)), d.Now);
        Assert.Equal(0, d.Engine.PendingBytesFor(B));
        Assert.Empty(d.Engine.WantsOf(B));
    }

    [Fact]
    public void A_peer_keeps_at_most_1024_wants_on_us()
    {
        var d = new CoreDriver();
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        var entries = Enumerable.Range(0, 3000).Select(i => WantlistEntry.Want(Raw(8, 10_000 + i).Cid, i, WantType.Block, false)).ToArray();
        d.Engine.MessageReceived(B, CoreDriver.Wants(entries), d.Now);
        var wants = d.Engine.WantsOf(B);
        Assert.Equal(BitswapDefaults.MaxQueuedWantsPerPeer, wants.Count);
        // The highest priorities survive.
        Assert.Contains(wants, w => w.Cid == entries[^1].Cid);
        Assert.DoesNotContain(wants, w => w.Cid == entries[0].Cid);
    }

    [Fact]
    public void Work_in_flight_per_peer_is_bounded_and_pending_bytes_are_reported()
    {
        var d = new CoreDriver();
        var blocks = Enumerable.Range(0, 40).Select(i => Raw(100_000, 100 + i)).ToArray();
        foreach (var b in blocks) d.Store.Put(b);
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        d.Engine.MessageReceived(B, CoreDriver.Wants(blocks.Select((b, i) => WantlistEntry.Want(b.Cid, 1000 - i, WantType.Block, true)).ToArray()), d.Now);
        var sends = d.Take().OfType<SendMessage>().ToList();
        long inFlight = sends.Sum(s => s.ServerWork);
        Assert.True(inFlight <= BitswapDefaults.MaxOutstandingBytesPerPeer + 100_000, $"{inFlight} bytes in flight");
        Assert.True(sends.Count <= BitswapDefaults.MaxConcurrentEnvelopes);
        Assert.Equal(40 * 100_000 - inFlight, sends[^1].Message.PendingBytes);
        // Served in priority order.
        Assert.Equal(blocks[0].Cid, sends[0].Message.Blocks[0].Cid);

        // Reporting a message written frees room for the next.
        d.Engine.MessageSent(B, sends[0].ServerWork, d.Now);
        Assert.Single(d.Take().OfType<SendMessage>());
    }

    [Fact]
    public void A_peer_wanting_thousands_of_blocks_does_not_starve_a_peer_wanting_a_few()
    {
        var net = new SimNet();
        var server = net.AddNode("server");
        server.UploadBytesPerSecond = 10e6;
        var big = net.AddNode("big");
        var small = net.AddNode("small");
        var blocks = Enumerable.Range(0, 1000).Select(i => Raw(16 * 1024, 20_000 + i)).ToArray();
        foreach (var b in blocks) server.Store.Put(b);
        net.ConnectAll();
        long bigSession = net.GetBlocks(big, blocks.Select(b => b.Cid).ToArray()); // ~16 MB: 1.6 s of upload
        net.RunFor(TimeSpan.FromMilliseconds(300));
        var start = net.Now;
        long smallSession = net.GetBlocks(small, blocks[^5..].Select(b => b.Cid).ToArray());
        net.RunUntil(() => small.Completed.ContainsKey(smallSession), TimeSpan.FromSeconds(30));
        var smallTook = net.Now - start;
        Assert.False(big.Completed.ContainsKey(bigSession), "the big fetch should still be running");
        Assert.True(smallTook < TimeSpan.FromMilliseconds(200), $"small peer waited {smallTook.TotalMilliseconds} ms");
        net.RunUntil(() => big.Completed.ContainsKey(bigSession), TimeSpan.FromSeconds(30));
    }
}
