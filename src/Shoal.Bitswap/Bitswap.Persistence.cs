using System.Threading.Channels;
using Shoal.Core;

namespace Shoal.Bitswap;

// Received blocks are written to the store off the loop. The core keeps each one in memory (and serves it from
// there) until the write is done, so the loop goes on answering peers meanwhile. Written inline, a busy daemon's
// loop spent ~13 ms per 256 KiB block in the store (half of a small-4 run on real daemons): its inputs queued for
// ~100 ms, so HAVEs moved wants after the first copy had left and cancels reached servers after they had sent
// the block (the duplicates on real daemons).
public sealed partial class Bitswap
{
    /// <summary>Store writes running at once: a flatfs put is a file create, write, fsync and rename, mostly waiting
    /// on the file system, so a few overlap well; more only queue in the kernel.</summary>
    private const int MaxConcurrentStoreWrites = 4;

    /// <summary>Blocks received but not yet written before the loop waits for the store: bounds the memory they hold
    /// (64 blocks of at most 2 MiB) and passes backpressure to the network when the disk is slower than it.</summary>
    internal const int MaxPendingStoreWrites = 64;

    private readonly Channel<PendingWrite> _writeQueue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly SemaphoreSlim _writeSlots = new(MaxPendingStoreWrites, MaxPendingStoreWrites);
    private readonly SortedSet<long> _writesPending = [];
    private readonly Dictionary<Cid, List<SessionWaiter>> _deliveriesAwaitingWrite = [];
    private readonly HashSet<Cid> _writing = [];
    private readonly List<(long Barrier, SessionWaiter Waiter)> _completionsAwaitingWrites = [];
    private Task[] _writers = [];
    private long _writesIssued;
    private long _firstFailedWrite = long.MaxValue;
    private Exception? _writeFailure;

    private sealed record PendingWrite(Block Block, long Seq);

    private sealed record PersistedInput(Block Block, long Seq, Exception? Error) : Input;

    private void StartWriters()
    {
        _writers = new Task[MaxConcurrentStoreWrites];
        for (int i = 0; i < _writers.Length; i++) _writers[i] = WriteLoopAsync(_stop.Token);
    }

    /// <summary>Queues a received block for the store (on the loop); waits only when too many writes are behind.</summary>
    private async ValueTask PersistAsync(Block block, CancellationToken ct)
    {
        await _writeSlots.WaitAsync(ct).ConfigureAwait(false);
        long seq = ++_writesIssued;
        _writesPending.Add(seq);
        _writing.Add(block.Cid);
        _writeQueue.Writer.TryWrite(new PendingWrite(block, seq));
    }

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var write in _writeQueue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                Exception? error = null;
                try
                {
                    await _store.PutAsync(write.Block, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    error = e;
                }
                _writeSlots.Release();
                Post(new PersistedInput(write.Block, write.Seq, error));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>A write finished (on the loop): the core forgets its memory copy, callers waiting on it move on.</summary>
    private void OnPersisted(PersistedInput done, TimeSpan now)
    {
        _writesPending.Remove(done.Seq);
        if (done.Error is not null && done.Seq < _firstFailedWrite)
        {
            _firstFailedWrite = done.Seq;
            _writeFailure = done.Error;
        }
        _writing.Remove(done.Block.Cid);
        // Also after a failed write: the block is not in the store, and the core must stop serving its memory copy.
        _engine.BlockStored(done.Block, now);
        if (_deliveriesAwaitingWrite.Remove(done.Block.Cid, out var waiters))
        {
            foreach (var w in waiters) w.Deliver(done.Block, now);
        }
        for (int i = 0; i < _completionsAwaitingWrites.Count; i++)
        {
            var (barrier, waiter) = _completionsAwaitingWrites[i];
            if (!WritesDoneUpTo(barrier)) continue;
            FinishCompletion(barrier, waiter);
            _completionsAwaitingWrites.RemoveAt(i--);
        }
    }

    /// <summary>A delivered block is in the store, as callers expect: one still being written is handed over when
    /// its write is done.</summary>
    private void DeliverWhenWritten(SessionWaiter waiter, Block block, TimeSpan now)
    {
        if (!_writing.Contains(block.Cid))
        {
            waiter.Deliver(block, now);
            return;
        }
        if (!_deliveriesAwaitingWrite.TryGetValue(block.Cid, out var list)) _deliveriesAwaitingWrite[block.Cid] = list = [];
        list.Add(waiter);
    }

    /// <summary>A session completes once every block received before it is written.</summary>
    private void CompleteWhenWritten(SessionWaiter waiter)
    {
        long barrier = _writesIssued;
        if (WritesDoneUpTo(barrier)) FinishCompletion(barrier, waiter);
        else _completionsAwaitingWrites.Add((barrier, waiter));
    }

    private bool WritesDoneUpTo(long seq) => _writesPending.Count == 0 || _writesPending.Min > seq;

    private void FinishCompletion(long barrier, SessionWaiter waiter)
    {
        if (_firstFailedWrite <= barrier)
            waiter.Fail(new IOException($"a fetched block could not be stored: {_writeFailure!.Message}", _writeFailure));
        else
            waiter.Completed.TrySetResult();
    }
}
