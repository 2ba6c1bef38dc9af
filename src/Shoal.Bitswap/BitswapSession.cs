using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>
/// One Bitswap session the caller feeds want by want (e.g. a reader walking a DAG in order with a window of
/// blocks in flight), seeded with the peers known to hold the content. All its wants share the session's
/// peers, latency and presence knowledge, so the blocks of one file are spread over all its providers at once.
/// Blocks are verified against their CIDs and stored before they are returned. Dispose to end the session
/// (what it still wants is cancelled at every peer).
/// </summary>
public sealed class BitswapSession : IAsyncDisposable
{
    private readonly Bitswap _owner;
    private readonly IBlockStore _store;
    private readonly Dictionary<Cid, Wanted> _wanted = [];
    private Exception? _failure;
    private Task _pump = Task.CompletedTask;
    private int _disposed;

    internal BitswapSession(Bitswap owner, IBlockStore store, IReadOnlyList<PeerId> providers)
    {
        _owner = owner;
        _store = store;
        Providers = providers;
    }

    /// <summary>The core's id for this session (its stats: <see cref="Bitswap.GetSessionStatsAsync"/>).</summary>
    public long Id { get; private set; }

    /// <summary>The peers the session was seeded with.</summary>
    public IReadOnlyList<PeerId> Providers { get; }

    internal void Attach(long id, Task pump)
    {
        Id = id;
        _pump = pump;
    }

    private sealed class Wanted
    {
        public readonly TaskCompletionSource<Block> Block = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Waiters;
    }

    /// <summary>The block, from the store or from the session's peers; waits until it arrives or <paramref name="ct"/> fires
    /// (then the want is cancelled unless another caller still waits for it).</summary>
    public async Task<Block> GetBlockAsync(Cid cid, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cid);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (await _store.GetAsync(cid, ct).ConfigureAwait(false) is { } local) return local;
        Wanted wanted;
        bool first;
        lock (_wanted)
        {
            if (_failure is not null) throw new IOException("the Bitswap session ended", _failure);
            first = !_wanted.TryGetValue(cid, out wanted!);
            if (first) _wanted[cid] = wanted = new Wanted();
            wanted.Waiters++;
        }
        try
        {
            if (first) await _owner.WantInSessionAsync(Id, cid, ct).ConfigureAwait(false);
            return await wanted.Block.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            bool last;
            lock (_wanted)
            {
                last = --wanted.Waiters == 0 && !wanted.Block.Task.IsCompleted && _wanted.Remove(cid);
            }
            if (last && _disposed == 0) _owner.CancelInSession(Id, cid);
            throw;
        }
    }

    /// <summary>On the Bitswap loop's pump: a block this session wanted arrived (or was found locally).</summary>
    internal void OnDelivered(Block block)
    {
        Wanted? wanted;
        lock (_wanted)
        {
            if (!_wanted.Remove(block.Cid, out wanted)) return;
        }
        wanted.Block.TrySetResult(block);
    }

    /// <summary>The session can deliver nothing more (Bitswap stopped or the session was closed).</summary>
    internal void OnEnded(Exception reason)
    {
        List<Wanted> pending;
        lock (_wanted)
        {
            _failure ??= reason;
            pending = [.. _wanted.Values];
            _wanted.Clear();
        }
        foreach (var w in pending) w.Block.TrySetException(new IOException("the Bitswap session ended", reason));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _owner.CloseSessionOf(Id);
        await _pump.ConfigureAwait(false);
        OnEnded(new ObjectDisposedException(nameof(BitswapSession)));
    }
}
