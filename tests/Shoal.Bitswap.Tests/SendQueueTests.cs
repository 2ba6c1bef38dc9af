using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

/// <summary>A server envelope counts as sent once its bytes have left the host (the network's send queue says so), not
/// when the kernel buffered it: on real sockets the seeder otherwise believed its blocks delivered up to a second early.</summary>
public sealed class SendQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The in-memory network with a send queue the test holds: every byte written stays "unsent" until released.</summary>
    private sealed class HeldQueueNetwork(InMemoryBitswapNetwork inner) : WrappedNetwork(inner)
    {
        private long _written;
        private volatile bool _released;
        private int _blockMessages;

        public int BlockMessages => Volatile.Read(ref _blockMessages);
        public void Release() => _released = true;

        public override SendQueueState? SendQueue(PeerId peer)
        {
            long written = Interlocked.Read(ref _written);
            return new SendQueueState(written, _released ? 0 : written);
        }

        public override ValueTask SendMessageAsync(PeerId peer, BitswapMessage message, CancellationToken ct = default)
        {
            Interlocked.Add(ref _written, message.WireSize());
            if (message.Blocks.Count > 0) Interlocked.Increment(ref _blockMessages);
            return base.SendMessageAsync(peer, message, ct);
        }
    }

    [Fact]
    public async Task Block_envelopes_stay_in_flight_until_their_bytes_have_left_the_host()
    {
        await using var pair = await WrappedPair.StartAsync(n => new HeldQueueNetwork(n), BitswapOptions.For(BitswapStrategy.Shoal), 12 * 256 * 1024, 91);
        var (held, leecher, imported) = ((HeldQueueNetwork)pair.SeederNetwork, pair.Leecher, pair.Imported);

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
    }

    /// <summary>The in-memory network with a send queue that drains at a fixed rate, like a socket on a slow link; counts
    /// how often the sender reads it.</summary>
    private sealed class DrainingNetwork(InMemoryBitswapNetwork inner, double bytesPerSecond) : WrappedNetwork(inner)
    {
        private readonly Lock _lock = new();
        private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();
        private long _written;
        private double _sent;
        private double _at;
        private int _reads;
        private int _blockMessages;

        public int Reads => Volatile.Read(ref _reads);
        public int BlockMessages => Volatile.Read(ref _blockMessages);

        private void Advance()
        {
            double now = System.Diagnostics.Stopwatch.GetElapsedTime(_start).TotalSeconds;
            _sent = Math.Min(_written, _sent + (now - _at) * bytesPerSecond);
            _at = now;
        }

        public override SendQueueState? SendQueue(PeerId peer)
        {
            Interlocked.Increment(ref _reads);
            lock (_lock)
            {
                Advance();
                return new SendQueueState(_written, _written - (long)_sent);
            }
        }

        public override ValueTask SendMessageAsync(PeerId peer, BitswapMessage message, CancellationToken ct = default)
        {
            lock (_lock)
            {
                Advance();
                _written += message.WireSize();
            }
            if (message.Blocks.Count > 0) Interlocked.Increment(ref _blockMessages);
            return base.SendMessageAsync(peer, message, ct);
        }
    }

    [Fact]
    public async Task A_sender_waiting_for_a_block_to_leave_looks_at_its_socket_about_as_often_as_the_drain_rate_needs()
    {
        // 2 MiB of leaves through a socket that drains at 500 kB/s: each 256 KiB block takes ~0.5 s to leave, and the next
        // is written once ~128 KiB of it are left. Looking every millisecond read the queue ~70 times per block on this
        // loaded machine (hundreds when idle); sleeping for the measured drain time (at most 20 ms) takes ~20.
        await using var pair = await WrappedPair.StartAsync(n => new DrainingNetwork(n, 500_000), BitswapOptions.For(BitswapStrategy.Shoal), 8 * 256 * 1024, 92);
        var (draining, leecher, imported) = ((DrainingNetwork)pair.SeederNetwork, pair.Leecher, pair.Imported);

        var result = await leecher.FetchDagAsync(imported.Root).WaitAsync(Timeout);
        Assert.Equal(imported.BlockCount, result.Blocks);
        Assert.True(draining.BlockMessages >= 8, $"{draining.BlockMessages} block messages");
        double perBlock = (double)draining.Reads / draining.BlockMessages;
        Assert.True(perBlock < 35, $"{draining.Reads} send-queue reads for {draining.BlockMessages} block messages ({perBlock:0.0} per block)");
    }

    [Fact]
    public void The_drain_rate_follows_the_bytes_leaving_and_gives_the_wait_for_the_rest()
    {
        var clock = new SteppedClock();
        var drain = new DrainRate(clock);
        var (min, max) = (TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(20));
        Assert.Equal(min, drain.TimeFor(100_000, min, max, 0.75)); // no rate yet: look again soon

        drain.Observe(new SendQueueState(1_000_000, 1_000_000));
        clock.Advance(TimeSpan.FromMilliseconds(10));
        drain.Observe(new SendQueueState(1_000_000, 990_000)); // 10 kB in 10 ms: 1 MB/s
        Assert.Equal(1_000_000, drain.BytesPerSecond, 1);
        Assert.Equal(TimeSpan.FromMilliseconds(7.5), drain.TimeFor(10_000, min, max, 0.75));
        Assert.Equal(max, drain.TimeFor(1_000_000, min, max, 0.75));
        Assert.Equal(min, drain.TimeFor(0, min, max, 0.75));

        clock.Advance(TimeSpan.FromMilliseconds(10));
        drain.Observe(new SendQueueState(1_000_000, 960_000)); // 30 kB in 10 ms: faster, taken at once
        Assert.Equal(3_000_000, drain.BytesPerSecond, 1);
        clock.Advance(TimeSpan.FromMilliseconds(10));
        drain.Observe(new SendQueueState(1_000_000, 960_000)); // nothing left meanwhile: the rate stays
        Assert.Equal(3_000_000, drain.BytesPerSecond, 1);
        clock.Advance(TimeSpan.FromMilliseconds(10));
        drain.Observe(new SendQueueState(1_000_000, 950_000)); // 10 kB in 10 ms: slower, the rate comes down an eighth of the way
        Assert.Equal(2_750_000, drain.BytesPerSecond, 1);
        clock.Advance(TimeSpan.FromMilliseconds(10));
        drain.Observe(new SendQueueState(5_000, 0)); // a new connection: counts start over, the rate stays
        Assert.Equal(2_750_000, drain.BytesPerSecond, 1);
    }

    private sealed class SteppedClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
