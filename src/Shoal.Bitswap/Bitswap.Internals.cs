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

    /// <summary>Writes one peer's messages in order, off the loop; reports server work as written (or failed)
    /// so the core's flow control moves on.</summary>
    private sealed class PeerSender
    {
        private readonly Bitswap _owner;
        private readonly PeerId _peer;
        // Unbounded is safe: the core bounds server work per peer (1 MiB) and in all (8 messages), and want
        // messages are spaced per peer.
        private readonly Channel<SendMessage> _queue = Channel.CreateUnbounded<SendMessage>(new UnboundedChannelOptions { SingleReader = true });

        public PeerSender(Bitswap owner, PeerId peer)
        {
            _owner = owner;
            _peer = peer;
            Loop = RunAsync(owner._stop.Token);
        }

        public Task Loop { get; }

        public void Enqueue(SendMessage send)
        {
            if (!_queue.Writer.TryWrite(send) && send.ServerWork > 0) _owner.Post(new SentInput(_peer, send.ServerWork));
        }

        public void Complete() => _queue.Writer.TryComplete();

        private async Task RunAsync(CancellationToken ct)
        {
            bool broken = false;
            await foreach (var send in _queue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (!broken && !ct.IsCancellationRequested)
                {
                    try
                    {
                        await _owner._network.SendMessageAsync(_peer, send.Message, ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
                    {
                        broken = true; // the network reports the disconnect; drop the rest
                    }
                }
                if (send.ServerWork > 0 && !ct.IsCancellationRequested) _owner.Post(new SentInput(_peer, send.ServerWork));
            }
        }
    }
}
