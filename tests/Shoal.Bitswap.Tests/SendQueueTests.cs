using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

/// <summary>A server envelope counts as sent once its bytes have left the host (the network's send queue says so), not
/// when the kernel buffered it: on real sockets the seeder otherwise believed its blocks delivered up to a second early.</summary>
public sealed class SendQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The in-memory network with a send queue the test holds: every byte written stays "unsent" until released.</summary>
    private sealed class HeldQueueNetwork(InMemoryBitswapNetwork inner) : IBitswapNetwork
    {
        private long _written;
        private volatile bool _released;
        private int _blockMessages;

        public int BlockMessages => Volatile.Read(ref _blockMessages);
        public void Release() => _released = true;
        public PeerId LocalPeer => inner.LocalPeer;
        public void Start(IBitswapNetworkListener listener) => inner.Start(listener);
        public Task ConnectAsync(PeerId peer, CancellationToken ct = default) => inner.ConnectAsync(peer, ct);
        public ValueTask DisconnectAsync(PeerId peer, CancellationToken ct = default) => inner.DisconnectAsync(peer, ct);
        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public SendQueueState? SendQueue(PeerId peer)
        {
            long written = Interlocked.Read(ref _written);
            return new SendQueueState(written, _released ? 0 : written);
        }

        public ValueTask SendMessageAsync(PeerId peer, BitswapMessage message, CancellationToken ct = default)
        {
            Interlocked.Add(ref _written, message.WireSize());
            if (message.Blocks.Count > 0) Interlocked.Increment(ref _blockMessages);
            return inner.SendMessageAsync(peer, message, ct);
        }
    }

    [Fact]
    public async Task Block_envelopes_stay_in_flight_until_their_bytes_have_left_the_host()
    {
        var hub = new InMemoryBitswapHub();
        var seederStore = new MemoryBlockStore();
        var imported = await UnixFsImporter.ImportAsync(TestDags.RandomBytes(12 * 256 * 1024, 91), seederStore, UnixFsImportOptions.KuboV1);
        var options = BitswapOptions.For(BitswapStrategy.Shoal);
        var held = new HeldQueueNetwork(hub.CreateEndpoint(SimNet.MakePeerId("seeder")));
        await using var seeder = new Bitswap(held, seederStore, options);
        await using var leecherNetwork = hub.CreateEndpoint(SimNet.MakePeerId("leecher"));
        await using var leecher = new Bitswap(leecherNetwork, new MemoryBlockStore(), options);
        seeder.Start();
        leecher.Start();
        hub.Connect(held.LocalPeer, leecherNetwork.LocalPeer);

        var fetch = leecher.FetchDagAsync(imported.Root);
        // The leecher asks for more than two blocks at once; with nothing leaving the host the seeder writes the root (a
        // small message, within the sent slack) and one leaf, and holds the next leaf until that one has mostly left
        // (before, every envelope counted as sent once written, and all went out).
        const int written = 2; // the root and one leaf
        var deadline = DateTime.UtcNow + Timeout;
        while (held.BlockMessages < written && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(written, held.BlockMessages);
        var status = await leecher.GetWantlistAsync();
        Assert.True(status.Count > 0, "the leecher still wants blocks");
        await Task.Delay(300); // long enough for many more envelopes, had the first ones counted as sent
        Assert.Equal(written, held.BlockMessages);
        Assert.False(fetch.IsCompleted);

        held.Release();
        var result = await fetch.WaitAsync(Timeout);
        Assert.Equal(imported.BlockCount, result.Blocks);
        await held.DisposeAsync();
    }
}
