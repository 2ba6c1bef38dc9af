using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

public sealed class BitswapStatusTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>A memory store whose writes wait until the test lets them through: a disk that stalls.</summary>
    private sealed class StallingStore(MemoryBlockStore inner) : IBlockStore
    {
        public readonly TaskCompletionSource PutStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Resume = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default) => inner.HasAsync(cid, ct);
        public ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default) => inner.GetAsync(cid, ct);
        public ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default) => inner.GetSizeAsync(cid, ct);
        public ValueTask DeleteAsync(Cid cid, CancellationToken ct = default) => inner.DeleteAsync(cid, ct);
        public IAsyncEnumerable<Cid> ListAsync(CancellationToken ct = default) => inner.ListAsync(ct);

        public async ValueTask PutAsync(Block block, CancellationToken ct = default)
        {
            PutStarted.TrySetResult();
            await Resume.Task.WaitAsync(ct);
            await inner.PutAsync(block, ct);
        }
    }

    [Fact]
    public async Task Status_is_answered_ahead_of_a_backlog_of_peer_messages()
    {
        const int Backlog = 2000;
        var hub = new InMemoryBitswapHub();
        var store = new StallingStore(new MemoryBlockStore());
        await using var network = hub.CreateEndpoint(SimNet.MakePeerId("leecher"));
        await using var peerNetwork = hub.CreateEndpoint(SimNet.MakePeerId("peer")); // never started: what we send it is not read
        await using var bitswap = new Bitswap(network, store);
        bitswap.Start();
        var peer = peerNetwork.LocalPeer;
        hub.Connect(network.LocalPeer, peer);
        IBitswapNetworkListener listener = bitswap; // where the network hands over what peers send

        // Blocks are written off the loop; the loop waits for the store only once MaxPendingStoreWrites are behind.
        var blocks = Enumerable.Range(0, Bitswap.MaxPendingStoreWrites + 1).Select(i => Block.Compute(TestDags.RandomBytes(1000, 5000 + i))).ToList();
        var block = blocks[0];
        var stillWanted = Block.Compute(TestDags.RandomBytes(1000, 72)).Cid;
        var gets = blocks.Select(b => bitswap.GetBlockAsync(b.Cid)).ToList();
        var get = gets[0];
        var wanting = bitswap.GetBlockAsync(stillWanted);
        Assert.Contains(blocks[^1].Cid, await bitswap.GetWantlistAsync().WaitAsync(Timeout));

        // The peer sends the blocks; storing them stalls the loop, and the peer's next messages queue up behind it.
        var sent = new BitswapMessage();
        sent.Blocks.AddRange(blocks);
        await listener.OnMessageReceivedAsync(peer, sent, CancellationToken.None);
        await store.PutStarted.Task.WaitAsync(Timeout);
        for (int i = 0; i < Backlog; i++)
        {
            var message = new BitswapMessage();
            message.BlockPresences.Add(new BlockPresence(Block.Compute(TestDags.RandomBytes(8, 1000 + i)).Cid, BlockPresenceType.DontHave));
            await listener.OnMessageReceivedAsync(peer, message, CancellationToken.None);
        }

        var status = bitswap.GetStatusAsync();
        var wantlistInOrder = bitswap.GetWantlistAsync(); // the ordinary query waits its turn behind the backlog
        store.Resume.SetResult();
        var answer = await status.WaitAsync(Timeout);
        await wantlistInOrder.WaitAsync(Timeout);

        // Answered after the message being applied, before any of the backlog.
        Assert.Equal(1, answer.Stats.MessagesReceived);
        Assert.Equal(blocks.Count, answer.Stats.BlocksReceived);
        Assert.Contains(stillWanted, answer.Wantlist);
        Assert.DoesNotContain(block.Cid, answer.Wantlist);
        await Task.WhenAll(gets).WaitAsync(Timeout);
        Assert.Equal(block.Cid, (await get.WaitAsync(Timeout)).Cid);
        var after = await bitswap.GetStatusAsync().WaitAsync(Timeout);
        Assert.Equal(1 + Backlog, after.Stats.MessagesReceived);
        Assert.False(wanting.IsCompleted);
    }

    [Fact]
    public async Task Status_of_a_disposed_node_fails_instead_of_waiting()
    {
        var hub = new InMemoryBitswapHub();
        await using var network = hub.CreateEndpoint(SimNet.MakePeerId("a"));
        var bitswap = new Bitswap(network, new MemoryBlockStore());
        bitswap.Start();
        Assert.Equal(0, (await bitswap.GetStatusAsync().WaitAsync(Timeout)).Stats.MessagesReceived);
        await bitswap.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => bitswap.GetStatusAsync().WaitAsync(Timeout));
    }

    /// <summary>A store whose size lookups (made on the loop, while answering a peer) fail with a bug for one CID.</summary>
    private sealed class BrokenStore(MemoryBlockStore inner, Cid poison) : IBlockStore
    {
        public ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default) => inner.HasAsync(cid, ct);
        public ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default) => inner.GetAsync(cid, ct);
        public ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default)
            => cid == poison ? throw new InvalidOperationException("store bug 4711") : inner.GetSizeAsync(cid, ct);
        public ValueTask DeleteAsync(Cid cid, CancellationToken ct = default) => inner.DeleteAsync(cid, ct);
        public IAsyncEnumerable<Cid> ListAsync(CancellationToken ct = default) => inner.ListAsync(ct);
        public ValueTask PutAsync(Block block, CancellationToken ct = default) => inner.PutAsync(block, ct);
    }

    [Fact]
    public async Task A_failed_loop_says_why_to_every_caller_instead_of_going_quiet()
    {
        var poison = Block.Compute(TestDags.RandomBytes(1000, 80)).Cid;
        var hub = new InMemoryBitswapHub();
        await using var network = hub.CreateEndpoint(SimNet.MakePeerId("leecher"));
        await using var peerNetwork = hub.CreateEndpoint(SimNet.MakePeerId("peer"));
        await using var bitswap = new Bitswap(network, new BrokenStore(new MemoryBlockStore(), poison));
        bitswap.Start();
        hub.Connect(network.LocalPeer, peerNetwork.LocalPeer);
        IBitswapNetworkListener listener = bitswap;

        var block = Block.Compute(TestDags.RandomBytes(1000, 81));
        var other = Block.Compute(TestDags.RandomBytes(1000, 82)).Cid;
        var get = bitswap.GetBlockAsync(block.Cid);
        var waiting = bitswap.GetBlockAsync(other);
        Assert.Contains(block.Cid, await bitswap.GetWantlistAsync().WaitAsync(Timeout));
        // The peer asks us for the poisoned CID: looking it up throws on the loop.
        var want = new BitswapMessage();
        want.Wantlist.Add(new WantlistEntry(poison, 1, WantType.Block, Cancel: false, SendDontHave: true));
        await listener.OnMessageReceivedAsync(peerNetwork.LocalPeer, want, CancellationToken.None);

        var ended = await Assert.ThrowsAsync<InvalidOperationException>(() => bitswap.Completion.WaitAsync(Timeout));
        Assert.Contains("store bug 4711", ended.Message);
        Assert.Same(ended, bitswap.Fault);
        // Callers already waiting, and new ones, fail with the cause (before this, status and queries waited forever).
        var failed = await Assert.ThrowsAnyAsync<Exception>(() => waiting.WaitAsync(Timeout));
        Assert.Contains("store bug 4711", failed.ToString());
        await Assert.ThrowsAnyAsync<Exception>(() => get.WaitAsync(Timeout));
        var status = await Assert.ThrowsAsync<InvalidOperationException>(() => bitswap.GetStatusAsync().WaitAsync(Timeout));
        Assert.Contains("store bug 4711", status.Message);
        await Assert.ThrowsAnyAsync<Exception>(() => bitswap.GetWantlistAsync().WaitAsync(Timeout));
    }

    /// <summary>A store holding one block whose file went bad: its size is known, reading it fails as a disk store does.</summary>
    private sealed class DamagedStore(MemoryBlockStore inner, Cid damaged) : IBlockStore
    {
        public ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default) => inner.HasAsync(cid, ct);
        public ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default)
            => cid == damaged ? ValueTask.FromException<Block?>(new InvalidDataException("block file does not match its hash")) : inner.GetAsync(cid, ct);
        public ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default) => inner.GetSizeAsync(cid, ct);
        public ValueTask DeleteAsync(Cid cid, CancellationToken ct = default) => inner.DeleteAsync(cid, ct);
        public IAsyncEnumerable<Cid> ListAsync(CancellationToken ct = default) => inner.ListAsync(ct);
        public ValueTask PutAsync(Block block, CancellationToken ct = default) => inner.PutAsync(block, ct);
    }

    [Fact]
    public async Task A_block_that_cannot_be_read_is_not_served_and_the_node_serves_the_rest()
    {
        var damaged = Block.Compute(TestDags.RandomBytes(5000, 91));
        var good = Block.Compute(TestDags.RandomBytes(5000, 92));
        var inner = new MemoryBlockStore();
        await inner.PutAsync(damaged);
        await inner.PutAsync(good);
        var hub = new InMemoryBitswapHub();
        await using var serverNet = hub.CreateEndpoint(SimNet.MakePeerId("server"));
        await using var clientNet = hub.CreateEndpoint(SimNet.MakePeerId("client"));
        await using var server = new Bitswap(serverNet, new DamagedStore(inner, damaged.Cid));
        await using var client = new Bitswap(clientNet, new MemoryBlockStore());
        server.Start();
        client.Start();
        hub.Connect(serverNet.LocalPeer, clientNet.LocalPeer);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var lost = client.GetBlockAsync(damaged.Cid, cts.Token);
        Assert.Equal(good.Data.ToArray(), (await client.GetBlockAsync(good.Cid).WaitAsync(Timeout)).Data.ToArray());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lost.WaitAsync(Timeout));
        Assert.Null(server.Fault);
        var status = await server.GetStatusAsync().WaitAsync(Timeout);
        Assert.Equal(1, status.Stats.BlocksSent);
    }
}
