using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

public sealed class SendFailureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The in-memory network with its first sends failing while the link stays up: what a stream negotiation
    /// that times out on a loaded machine, or a peer resetting our stream twice, looks like to Bitswap.</summary>
    private sealed class FlakySendNetwork(InMemoryBitswapNetwork inner, int failures) : WrappedNetwork(inner)
    {
        private int _sends;

        public int Failed => Math.Min(failures, Volatile.Read(ref _sends));

        public override ValueTask SendMessageAsync(PeerId peer, BitswapMessage message, CancellationToken ct = default)
        {
            if (Interlocked.Increment(ref _sends) <= failures) throw new IOException($"stream to {peer}: negotiation timed out (injected)");
            return base.SendMessageAsync(peer, message, ct);
        }
    }

    [Theory]
    [InlineData(BitswapStrategy.Shoal)]
    [InlineData(BitswapStrategy.Bitswap12)]
    public async Task A_failed_send_to_a_peer_still_connected_does_not_silence_it_for_good(BitswapStrategy strategy)
    {
        await using var pair = await WrappedPair.StartAsync(n => new FlakySendNetwork(n, failures: 1), BitswapOptions.For(strategy), 600_000, 81);
        var (flaky, leecher, imported) = ((FlakySendNetwork)pair.SeederNetwork, pair.Leecher, pair.Imported);

        // The seeder's first answer is lost and the link stays up: no disconnect will ever say so.
        var result = await leecher.FetchDagAsync(imported.Root).WaitAsync(Timeout);
        Assert.Equal(imported.BlockCount, result.Blocks);
        Assert.Equal(1, flaky.Failed);
    }
}
