using System.Threading.Channels;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

public sealed partial class Bitswap
{
    private abstract record Input;
    private sealed record MessageInput(PeerId Peer, BitswapMessage Message) : Input;
    private sealed record SentInput(PeerId Peer, int Work) : Input;
    private sealed record TickInput : Input;
    private sealed record StoredInput(Block Block) : Input;
    private sealed record RemovedInput(Cid Cid) : Input;
    private sealed record PeerUpInput(PeerId Peer, BitswapProtocolVersion Version) : Input;
    private sealed record PeerDownInput(PeerId Peer) : Input;
    private sealed record PathInput(PeerId Peer, TimeSpan RoundTrip) : Input;
    private sealed record ProvidersInput(Cid Cid, PeerId[] Providers) : Input;
    private sealed record StartInput(SessionWaiter Waiter, IReadOnlyList<Cid> Cids, ILinkExtractor? Links) : Input;
    private sealed record CloseInput(SessionWaiter Waiter) : Input;
    private sealed record QueryInput(Action Run) : Input;

    /// <summary>Wakes an idle loop to answer status reads (<see cref="GetStatusAsync"/>); does nothing itself.</summary>
    private sealed record WakeInput : Input
    {
        public static readonly WakeInput Instance = new();
    }

    /// <summary>The caller's side of one session.</summary>
    private sealed class SessionWaiter(bool streaming)
    {
        public long? Id;
        public readonly TaskCompletionSource<Block> First = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly Channel<Block>? Blocks = streaming ? Channel.CreateUnbounded<Block>(new UnboundedChannelOptions { SingleReader = true }) : null;
        public IProgress<FetchDagResult>? Progress;
        public TimeSpan StartedAt;
        private long _blocks;
        private long _bytes;

        public void Deliver(Block block, TimeSpan now)
        {
            _blocks++;
            _bytes += block.Data.Length;
            First.TrySetResult(block);
            Blocks?.Writer.TryWrite(block);
            Progress?.Report(Result(now));
        }

        public FetchDagResult Result(TimeSpan now) => new(_blocks, _bytes, now - StartedAt);

        public void Fail(Exception e)
        {
            First.TrySetException(e);
            Completed.TrySetException(e);
            Blocks?.Writer.TryComplete(e);
        }
    }

    /// <summary>Writes one peer's messages off the loop; reports server work as written (or failed) so the core's flow
    /// control moves on. Messages without blocks (wants, cancels, HAVE / DONT_HAVE) go before block messages still
    /// queued: on one stream a cancel or a HAVE otherwise waited behind up to two 256 KiB blocks per peer (50 ms at
    /// the median on a busy machine), so a server sent a block its client had already cancelled, and a client asked
    /// the seeder for a block a peer already held. The simulator delivers small messages past large ones too.
    /// Nothing depends on the order between the two kinds: each kind keeps its own order.</summary>
    private sealed class PeerSender
    {
        private readonly Bitswap _owner;
        private readonly PeerId _peer;
        // Unbounded is safe: the core bounds server work per peer (1 MiB) and in all, and want messages are spaced per peer.
        private readonly Queue<SendMessage> _control = new();
        private readonly Queue<SendMessage> _bulk = new();
        private readonly SemaphoreSlim _ready = new(0);
        private bool _completed;

        public PeerSender(Bitswap owner, PeerId peer)
        {
            _owner = owner;
            _peer = peer;
            Loop = RunAsync(owner._stop.Token);
        }

        public Task Loop { get; }

        public void Enqueue(SendMessage send)
        {
            lock (_control)
            {
                if (_completed)
                {
                    if (send.ServerWork > 0) _owner.Post(new SentInput(_peer, send.ServerWork));
                    return;
                }
                (send.Message.Blocks.Count > 0 ? _bulk : _control).Enqueue(send);
            }
            _ready.Release();
        }

        public void Complete()
        {
            lock (_control)
            {
                if (_completed) return;
                _completed = true;
            }
            _ready.Release();
        }

        /// <summary>A block message may be written while the one before it has at most this many bytes still in the
        /// host (about 10 ms at 100 Mbit/s): the connection stays busy, and a cancel or HAVE written meanwhile waits behind
        /// one block at most instead of the megabytes a TCP send buffer takes (4 MiB here: 0.3 s at 100 Mbit/s).</summary>
        private const long WriteAheadBytes = 128 * 1024;

        /// <summary>A block message counts as sent when at most this much of it is still in the host (5 ms at 100 Mbit/s): the
        /// core's next envelope for the peer is then ready before the socket runs dry, where the 1 ms poll (later on a
        /// loaded machine) left fast links idle between envelopes.</summary>
        private const long SentSlackBytes = 64 * 1024;

        /// <summary>A block message counts as sent after this long at most, whatever its socket says (a connection replaced
        /// meanwhile restarts its byte count): far beyond a block's time on any link we run.</summary>
        private const long MaxLeftHostWaitMs = 5000;

        /// <summary>How soon at the earliest a sender with block messages not yet on the wire looks at its socket again (the
        /// timer's grain), and how often while it does not know yet how fast its connection drains.</summary>
        private static readonly TimeSpan LeftHostPoll = TimeSpan.FromMilliseconds(1);

        /// <summary>How late at the latest it looks again: a guess of the drain rate that has become too low (the link got
        /// faster) costs at most this long; 64 KiB of sent slack is 5 ms at 100 Mbit/s.</summary>
        private static readonly TimeSpan LeftHostMaxWait = TimeSpan.FromMilliseconds(20);

        /// <summary>The sender sleeps this share of the time the bytes it waits for should take at the measured drain rate
        /// (the rate varies as other peers' flows share the link); it looks again, sooner, if they have not left by then.</summary>
        private const double LeftHostWaitShare = 0.75;

        /// <summary>The next block message may be written: nothing written is still waiting, or only the tail of one
        /// (<paramref name="queue"/>: the connection's send queue read this pass).</summary>
        private static bool BulkMayGo(Queue<(int Work, long End, long WrittenAt)> inFlight, SendQueueState? queue)
        {
            if (inFlight.Count == 0) return true;
            if (inFlight.Count > 1) return false;
            return queue is not { } q || BytesToLeave(q, inFlight.Peek().End, WriteAheadBytes) <= 0;
        }

        /// <summary>The bytes up to <paramref name="end"/> have left this host (the kernel put them on the wire). A block
        /// envelope counts as sent to the core only then, as in the simulator, where it is in flight until its last byte
        /// has gone; counted at the write, the seeder believed its blocks delivered up to a second before they arrived.</summary>
        private static bool LeftHost(SendQueueState? queue, long end) => queue is not { } q || BytesToLeave(q, end, SentSlackBytes) <= 0;

        /// <summary>Bytes that must still leave this host before at most <paramref name="slack"/> of a message ending at
        /// <paramref name="end"/> is left in it (0 or less: that point is passed).</summary>
        private static long BytesToLeave(SendQueueState q, long end, long slack) => end - slack - q.LeftHost;

        /// <summary>Bytes of the oldest written block message that must still leave the host before the sender has
        /// something to do: it counts as sent (<see cref="LeftHost"/>) or, when a block message waits, the next may be
        /// written (<see cref="BulkMayGo"/>).</summary>
        private static long BytesUntilNextStep(Queue<(int Work, long End, long WrittenAt)> inFlight, SendQueueState q, bool bulkWaiting)
        {
            long end = inFlight.Peek().End;
            long need = BytesToLeave(q, end, SentSlackBytes);
            if (bulkWaiting && inFlight.Count == 1) need = Math.Min(need, BytesToLeave(q, end, WriteAheadBytes));
            return need;
        }

        private async Task RunAsync(CancellationToken ct)
        {
            var drain = new DrainRate(_owner._time);
            bool broken = false; // after a failed send: drop until the loop replaces this sender (the peer's disconnect)
            // Block messages written whose bytes have not all left the host yet, oldest first: their server work is
            // reported only once the kernel has put them on the wire (see LeftHost).
            var inFlight = new Queue<(int Work, long End, long WrittenAt)>();
            long lastEnd = 0;
            while (true)
            {
                // One read of the socket's send queue (an ioctl) serves this pass's checks.
                var queue = inFlight.Count > 0 ? _owner._network.SendQueue(_peer) : null;
                if (queue is { } read) drain.Observe(read);
                while (inFlight.Count > 0 && (broken || ct.IsCancellationRequested || LeftHost(queue, inFlight.Peek().End) || Environment.TickCount64 - inFlight.Peek().WrittenAt > MaxLeftHostWaitMs))
                {
                    var done = inFlight.Dequeue();
                    if (!ct.IsCancellationRequested) _owner.Post(new SentInput(_peer, done.Work));
                }
                SendMessage? send;
                bool finished = false;
                lock (_control)
                {
                    if (_control.TryDequeue(out var c)) send = c;
                    else if (BulkMayGo(inFlight, queue) && _bulk.TryDequeue(out var b)) send = b;
                    else
                    {
                        send = null;
                        finished = _completed && _bulk.Count == 0;
                    }
                }
                if (send is null)
                {
                    if (finished)
                    {
                        // Stopped (the peer is gone): the core forgets its envelopes; report them anyway, as before.
                        while (inFlight.TryDequeue(out var rest)) if (!ct.IsCancellationRequested) _owner.Post(new SentInput(_peer, rest.Work));
                        break;
                    }
                    // Every Enqueue and Complete releases _ready once, so a wake-up without work is only spurious.
                    if (inFlight.Count > 0)
                    {
                        bool bulkWaiting;
                        lock (_control) bulkWaiting = _bulk.Count > 0;
                        var wait = queue is { } q ? drain.TimeFor(BytesUntilNextStep(inFlight, q, bulkWaiting), LeftHostPoll, LeftHostMaxWait, LeftHostWaitShare) : LeftHostPoll;
                        await _ready.WaitAsync(wait, CancellationToken.None).ConfigureAwait(false);
                    }
                    else await _ready.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                    continue;
                }
                long? end = null;
                if (!broken && !ct.IsCancellationRequested)
                {
                    try
                    {
                        if (send.Message.Blocks.Count > 0 && _owner._uplink is { } uplink) await uplink.TransmitAsync(send.Message, ct).ConfigureAwait(false);
                        if (send.ServerWork > 0 && send.Message.Blocks.Count > 0 && _owner._network.SendQueue(_peer) is { } before)
                            end = (inFlight.Count > 0 ? Math.Max(before.Written, lastEnd) : before.Written) + send.Message.WireSize();
                        await _owner._network.SendMessageAsync(_peer, send.Message, ct).ConfigureAwait(false);
                    }
                    catch (Exception) when (!ct.IsCancellationRequested)
                    {
                        // The network already retried on a fresh stream, and the message is lost: the peer and we now
                        // disagree on what was said (a served want it will wait for forever). A peer that is gone is
                        // reported by the network; one still connected (a stream negotiation that timed out under load)
                        // would not be, and this sender used to drop everything to it for good. So Bitswap with the
                        // peer starts over: disconnect (both cores forget), connect again (wants are sent afresh).
                        // Messages queued until the disconnect lands are dropped; the core forgets them with the peer.
                        broken = true;
                        end = null;
                        _owner.Track(_owner.RestartPeerAsync(_peer, ct));
                    }
                    catch (Exception)
                    {
                        // Stopping: nothing more is sent.
                    }
                }
                if (send.ServerWork <= 0 || ct.IsCancellationRequested) continue;
                if (end is { } e && !broken)
                {
                    inFlight.Enqueue((send.ServerWork, e, Environment.TickCount64));
                    lastEnd = e;
                }
                else _owner.Post(new SentInput(_peer, send.ServerWork));
            }
            // _ready is not disposed: an Enqueue racing Complete may still release it (a SemaphoreSlim holds no handle).
        }
    }
}
