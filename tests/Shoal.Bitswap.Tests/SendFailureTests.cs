using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

public sealed class SendFailureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The in-memory network with its first sends failing while the link stays up: what a stream negotiation
    /// that times out on a loaded machine, or a peer resetting our stream twice, looks like to Bitswap.</summary>
    private sealed class FlakySendNetwork(InMemoryBitswapNetwork inner, int failures) : IBitswapNetwork
    {
        private int _sends;

        public int Failed => Math.Min(failures, Volatile.Read(ref _sends));
        public PeerId LocalPeer => inner.LocalPeer;
        public void Start(IBitswapNetworkListener listener) => inner.Start(listener);
        public Task ConnectAsync(PeerId peer, CancellationToken ct = default) => inner.ConnectAsync(peer, ct);
        public ValueTask DisconnectAsync(PeerId peer, CancellationToken ct = default) => inner.DisconnectAsync(peer, ct);
        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public ValueTask SendMessageAsync(PeerId peer, BitswapMessage message, CancellationToken ct = default)
        {
            if (Interlocked.Increment(ref _sends) <= failures) throw new IOException($"stream to {peer}: negotiation timed out (injected)");
            return inner.SendMessageAsync(peer, message, ct);
        }
    }

    [Theory]
    [InlineData(BitswapStrategy.Shoal)]
    [InlineData(BitswapStrategy.Bitswap12)]
    public async Task A_failed_send_to_a_peer_still_connected_does_not_silence_it_for_good(BitswapStrategy strategy)
    {
        var hub = new InMemoryBitswapHub();
        var seederStore = new MemoryBlockStore();
        var imported = await UnixFsImporter.ImportAsync(TestDags.RandomBytes(600_000, 81), seederStore, UnixFsImportOptions.KuboV1);
        var options = BitswapOptions.For(strategy);
        var flaky = new FlakySendNetwork(hub.CreateEndpoint(SimNet.MakePeerId("seeder")), failures: 1);
        await using var seeder = new Bitswap(flaky, seederStore, options);
        await using var leecherNetwork = hub.CreateEndpoint(SimNet.MakePeerId("leecher"));
        await using var leecher = new Bitswap(leecherNetwork, new MemoryBlockStore(), options);
        seeder.Start();
        leecher.Start();
        hub.Connect(flaky.LocalPeer, leecherNetwork.LocalPeer);

        // The seeder's first answer is lost and the link stays up: no disconnect will ever say so.
        var result = await leecher.FetchDagAsync(imported.Root).WaitAsync(Timeout);
        Assert.Equal(imported.BlockCount, result.Blocks);
        Assert.Equal(1, flaky.Failed);
        await flaky.DisposeAsync();
    }
}
