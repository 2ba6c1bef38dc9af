using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>
/// A running Bitswap node: the <see cref="BitswapEngine"/> core inside an actor loop (one task owns it, fed
/// by a bounded channel), with timers from a <see cref="TimeProvider"/>, one sender loop per peer, a block
/// store, and a network seam. Everything stateful happens on the loop; the public methods post to it.
/// </summary>
public sealed partial class Bitswap : IBitswapNetworkListener, IAsyncDisposable
{
    /// <summary>Inputs queued before network readers wait: backpressure on peers when the loop lags.</summary>
    private const int InputQueueCapacity = 4096;

    /// <summary>Queued inputs applied as one batch at most: enough to catch up after a stall in one pass, few enough
    /// that the answers to the first are not held back long.</summary>
    private const int MaxInputsPerBatch = 256;

    private readonly IBitswapNetwork _network;
    private readonly IBlockStore _store;
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly BitswapEngine _engine;
    private readonly Channel<Input> _inputs = Channel.CreateBounded<Input>(new BoundedChannelOptions(InputQueueCapacity) { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource<BitswapStatus>> _statusReads = new();
    private readonly List<BitswapAction> _actions = [];
    private readonly Dictionary<long, SessionWaiter> _waiters = [];
    private readonly Dictionary<PeerId, PeerSender> _senders = [];
    private readonly Dictionary<PeerId, BitswapProtocolVersion> _versions = [];
    private readonly HashSet<Task> _background = [];
    private readonly ITimer _timer;
    private readonly IProviderFinder? _providers;
    private readonly LinkPacer? _uplink;
    private readonly LinkPacer? _downlink;
    private TimeSpan? _timerArmedFor;
    private Task? _loop;
    private volatile BitswapStats _stats = new();
    private int _disposed;
    private Exception? _fault;

    public Bitswap(IBitswapNetwork network, IBlockStore store, BitswapOptions? options = null,
        IProviderFinder? providers = null, TimeProvider? time = null)
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = time ?? TimeProvider.System;
        _providers = providers;
        _startTimestamp = _time.GetTimestamp();
        _engine = new BitswapEngine(network.LocalPeer, new BlockStoreLookup(store), options);
        if (_engine.Options.UploadBytesPerSecond > 0) _uplink = new LinkPacer(_engine.Options.UploadBytesPerSecond, _time);
        if (_engine.Options.DownloadBytesPerSecond > 0) _downlink = new LinkPacer(_engine.Options.DownloadBytesPerSecond, _time);
        _timer = _time.CreateTimer(static s => ((Bitswap)s!).Post(new TickInput()), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public PeerId LocalPeer => _network.LocalPeer;

    public BitswapOptions Options => _engine.Options;

    /// <summary>Counters as of the last processed input.</summary>
    public BitswapStats Stats => _stats;

    /// <summary>Starts the loop and the network.</summary>
    public void Start()
    {
        if (_loop is not null) throw new InvalidOperationException("already started");
        _loop = RunAsync(_stop.Token);
        StartWriters();
        _network.Start(this);
    }

    // ------------------------------------------------------------------ public API

    /// <summary>Returns the block, from the store or from peers. Waits until it arrives or <paramref name="ct"/> fires.</summary>
    public async Task<Block> GetBlockAsync(Cid cid, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cid);
        if (await _store.GetAsync(cid, ct).ConfigureAwait(false) is { } local) return local;
        var waiter = new SessionWaiter(streaming: false);
        await PostAsync(new StartInput(waiter, [cid], null), ct).ConfigureAwait(false);
        try
        {
            return await waiter.First.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            Post(new CloseInput(waiter));
        }
    }

    /// <summary>Fetches the blocks in one session and yields them as they arrive (any order).</summary>
    public async IAsyncEnumerable<Block> GetBlocksAsync(IReadOnlyList<Cid> cids, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cids);
        if (cids.Count == 0) yield break;
        var waiter = new SessionWaiter(streaming: true);
        await PostAsync(new StartInput(waiter, cids, null), ct).ConfigureAwait(false);
        var remaining = new HashSet<Cid>(cids);
        try
        {
            while (remaining.Count > 0)
            {
                var block = await waiter.Blocks!.Reader.ReadAsync(ct).ConfigureAwait(false);
                if (remaining.Remove(block.Cid)) yield return block;
            }
        }
        finally
        {
            Post(new CloseInput(waiter));
        }
    }

    /// <summary>Fetches the whole DAG under <paramref name="root"/> into the store as one session (many wants
    /// in flight). Blocks already local are not fetched again.</summary>
    public async Task<FetchDagResult> FetchDagAsync(Cid root, ILinkExtractor? links = null, IProgress<FetchDagResult>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        var waiter = new SessionWaiter(streaming: false) { Progress = progress, StartedAt = Now };
        await PostAsync(new StartInput(waiter, [root], links ?? DagPbLinkExtractor.Instance), ct).ConfigureAwait(false);
        try
        {
            await waiter.Completed.Task.WaitAsync(ct).ConfigureAwait(false);
            return waiter.Result(Now);
        }
        finally
        {
            Post(new CloseInput(waiter));
        }
    }

    /// <summary>Blocks were added to the store by someone else (an import): peers waiting for them are served.</summary>
    public async ValueTask NotifyNewBlocksAsync(IEnumerable<Block> blocks, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        foreach (var b in blocks) await PostAsync(new StoredInput(b), ct).ConfigureAwait(false);
    }

    /// <summary>Blocks were removed from the store (garbage collection): peers' wants for them count as wants for
    /// blocks we lack again, which a full ledger gives up first.</summary>
    public async ValueTask NotifyBlocksRemovedAsync(IEnumerable<Cid> cids, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cids);
        foreach (var c in cids) await PostAsync(new RemovedInput(c), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Counters and our wantlist, read on the loop between two inputs, ahead of the inputs still queued: a loop
    /// with thousands of peer messages queued (a busy leecher) answers after the one it is applying, not after
    /// the whole backlog. So the answer may not reflect inputs still queued, the caller's own included; use
    /// <see cref="GetWantlistAsync"/> to read after them.
    /// </summary>
    public async Task<BitswapStatus> GetStatusAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var read = new TaskCompletionSource<BitswapStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        _statusReads.Enqueue(read);
        // An idle loop needs waking; a full queue means a busy loop, which answers before its next input anyway.
        _inputs.Writer.TryWrite(WakeInput.Instance);
        if (_loop is { IsCompleted: true }) AnswerStatusReads();
        return await read.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Answers every status read waiting (on the loop, or once it has ended), all with one snapshot.</summary>
    private void AnswerStatusReads()
    {
        if (_statusReads.IsEmpty) return;
        BitswapStatus? status = null;
        while (_statusReads.TryDequeue(out var read))
        {
            if (_loop is { IsCompleted: true }) read.TrySetException(Stopped());
            else read.TrySetResult(status ??= new BitswapStatus(_engine.Stats.Snapshot(), _engine.Wantlist()));
        }
    }

    /// <summary>Our wantlist as one peer sees it and that peer's wants on us, read on the loop.</summary>
    public async Task<(IReadOnlyList<(Cid Cid, WantType Type)> WeWant, IReadOnlyList<(Cid Cid, WantType Type)> TheyWant)> GetWantlistsAsync(
        PeerId peer, CancellationToken ct = default)
    {
        var tcs = new TaskCompletionSource<(IReadOnlyList<(Cid, WantType)>, IReadOnlyList<(Cid, WantType)>)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await PostAsync(new QueryInput(() => tcs.TrySetResult((_engine.WantsSentTo(peer), _engine.WantsOf(peer)))), ct).ConfigureAwait(false);
        return await tcs.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ network listener

    void IBitswapNetworkListener.OnPeerConnected(PeerId peer, BitswapProtocolVersion version) => Post(new PeerUpInput(peer, version));

    void IBitswapNetworkListener.OnPeerDisconnected(PeerId peer) => Post(new PeerDownInput(peer));

    void IBitswapNetworkListener.OnPeerPathMeasured(PeerId peer, TimeSpan roundTrip) => Post(new PathInput(peer, roundTrip));

    ValueTask IBitswapNetworkListener.OnMessageReceivedAsync(PeerId peer, BitswapMessage message, CancellationToken ct)
        => message.Blocks.Count > 0 && _downlink is not null ? ReceivePacedAsync(peer, message, ct) : PostAsync(new MessageInput(peer, message), ct);

    /// <summary>A block message on a capped download link: handed over once the link has carried it (the wait holds the
    /// peer's stream, so the sender slows as on a link of that speed).</summary>
    private async ValueTask ReceivePacedAsync(PeerId peer, BitswapMessage message, CancellationToken ct)
    {
        await _downlink!.ReceiveAsync(message, ct).ConfigureAwait(false);
        await PostAsync(new MessageInput(peer, message), ct).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ the loop

    private TimeSpan Now => _time.GetElapsedTime(_startTimestamp);

    private void Post(Input input)
    {
        if (_disposed != 0) return; // e.g. a network still reporting a disconnect after we stopped
        if (!_inputs.Writer.TryWrite(input))
        {
            // Full (or closed): keep the order-insensitive inputs flowing without blocking the caller's thread.
            CancellationToken stop;
            try { stop = _stop.Token; }
            catch (ObjectDisposedException) { return; } // disposed since the check above
            var pending = _inputs.Writer.WriteAsync(input, stop).AsTask();
            pending.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
        }
    }

    private ValueTask PostAsync(Input input, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _inputs.Writer.WriteAsync(input, ct);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (await _inputs.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (_inputs.Reader.TryRead(out var input))
                {
                    // Everything already queued goes to the core as one batch (see BitswapEngine.BeginBatch);
                    // status reads are still answered between any two inputs.
                    // No finally: after a throw the core is mid-call, and ending the batch would hide the cause.
                    _engine.BeginBatch();
                    AnswerStatusReads();
                    Apply(input);
                    for (int n = 1; n < MaxInputsPerBatch && _inputs.Reader.TryRead(out var next); n++)
                    {
                        AnswerStatusReads();
                        Apply(next);
                    }
                    _engine.EndBatch(Now);
                    await ExecuteActionsAsync(ct).ConfigureAwait(false);
                }
                AnswerStatusReads();
                _stats = _engine.Stats.Snapshot();
                ArmTimer();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // A bug, not an input: the node cannot exchange any more. Kept so every caller learns why.
            _fault = e;
            _inputs.Writer.TryComplete(e); // callers that post now fail at once instead of waiting forever
            throw;
        }
        finally
        {
            foreach (var w in _waiters.Values) w.Fail(Stopped());
            _waiters.Clear();
            while (_statusReads.TryDequeue(out var read)) read.TrySetException(Stopped());
        }
    }

    /// <summary>Why the loop no longer runs: disposed, or failed (<see cref="Fault"/>).</summary>
    private Exception Stopped() => _fault is { } f
        ? new InvalidOperationException("the Bitswap loop failed: " + f.Message, f)
        : new ObjectDisposedException(nameof(Bitswap));

    /// <summary>The exception that ended the loop, if it failed (null while it runs or after a normal stop).</summary>
    public Exception? Fault => _fault;

    /// <summary>Completes when the loop ends: faulted with <see cref="Fault"/> if it failed.</summary>
    public Task Completion => _loop ?? Task.CompletedTask;

    private void Apply(Input input)
    {
        var now = Now;
        switch (input)
        {
            case MessageInput m:
                _engine.MessageReceived(m.Peer, m.Message, now);
                break;
            case SentInput s:
                _engine.MessageSent(s.Peer, s.Work, now);
                break;
            case TickInput:
                _timerArmedFor = null;
                _engine.Tick(now);
                break;
            case StoredInput st:
                _engine.BlockStored(st.Block, now);
                break;
            case PersistedInput persisted:
                OnPersisted(persisted, now);
                break;
            case RemovedInput removed:
                _engine.BlockRemoved(removed.Cid, now);
                break;
            case PeerUpInput up:
                _versions[up.Peer] = up.Version;
                _engine.PeerConnected(up.Peer, up.Version, now);
                break;
            case PeerDownInput down:
                _versions.Remove(down.Peer);
                if (_senders.Remove(down.Peer, out var sender)) sender.Complete();
                _engine.PeerDisconnected(down.Peer, now);
                break;
            case ProvidersInput p:
                _engine.ProvidersFound(p.Cid, p.Providers, now);
                break;
            case StartInput start:
                long id = start.Links is null ? _engine.StartSession(now) : _engine.StartSession(now, start.Links);
                start.Waiter.Id = id;
                _waiters[id] = start.Waiter;
                _engine.WantBlocks(id, start.Cids, now);
                break;
            case CloseInput close:
                if (close.Waiter.Id is { } sid && _waiters.Remove(sid)) _engine.CloseSession(sid, now);
                break;
            case QueryInput q:
                q.Run();
                break;
            case PathInput path:
                _engine.PeerPathMeasured(path.Peer, path.RoundTrip, now);
                break;
        }
    }

    private async ValueTask ExecuteActionsAsync(CancellationToken ct)
    {
        _engine.DrainActions(_actions);
        for (int i = 0; i < _actions.Count; i++)
        {
            switch (_actions[i])
            {
                case SendMessage send:
                    SenderFor(send.Peer).Enqueue(send);
                    break;
                case StoreBlock store:
                    // Written off the loop; the core serves the block from memory until then (Bitswap.Persistence.cs).
                    await PersistAsync(store.Block, ct).ConfigureAwait(false);
                    break;
                case BlockDelivered delivered:
                    if (_waiters.TryGetValue(delivered.Session, out var w)) DeliverWhenWritten(w, delivered.Block, Now);
                    break;
                case SessionCompleted done:
                    if (_waiters.TryGetValue(done.Session, out var cw)) CompleteWhenWritten(cw);
                    break;
                case SessionFailed failed:
                    if (_waiters.Remove(failed.Session, out var fw))
                        fw.Fail(new InvalidDataException($"cannot walk the DAG at {failed.Cid}: {failed.Reason}"));
                    break;
                case FindProviders find:
                    if (_providers is not null) Track(FindProvidersAsync(find, _stop.Token));
                    break;
                case ConnectTo connect:
                    Track(ConnectAsync(connect.Peer, _stop.Token));
                    break;
                case DisconnectPeer drop:
                    Track(_network.DisconnectAsync(drop.Peer, _stop.Token).AsTask());
                    break;
            }
        }
        _actions.Clear();
    }

    private void ArmTimer()
    {
        var next = _engine.NextWakeUp;
        if (next == _timerArmedFor) return;
        _timerArmedFor = next;
        if (next is not { } due)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var delay = due - Now;
        _timer.Change(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private PeerSender SenderFor(PeerId peer)
    {
        if (!_senders.TryGetValue(peer, out var sender))
        {
            sender = new PeerSender(this, peer);
            _senders.Add(peer, sender);
            Track(sender.Loop);
        }
        return sender;
    }

    private async Task FindProvidersAsync(FindProviders find, CancellationToken ct)
    {
        try
        {
            await foreach (var peer in _providers!.FindProvidersAsync(find.Cid, find.MaxProviders, ct).ConfigureAwait(false))
            {
                await PostAsync(new ProvidersInput(find.Cid, [peer]), ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failed search is the same as an empty one: the session's idle tick searches again.
        }
    }

    /// <summary>A send to the peer failed after the network's own retry: Bitswap with it starts over (disconnect, connect).</summary>
    private async Task RestartPeerAsync(PeerId peer, CancellationToken ct)
    {
        try
        {
            await _network.DisconnectAsync(peer, ct).ConfigureAwait(false);
            await _network.ConnectAsync(peer, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Unreachable now: it stays disconnected until it or a session connects again.
        }
    }

    private async Task ConnectAsync(PeerId peer, CancellationToken ct)
    {
        try
        {
            await _network.ConnectAsync(peer, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unreachable provider: the session keeps its other peers and searches again later.
        }
    }

    private void Track(Task task)
    {
        lock (_background) _background.Add(task);
        task.ContinueWith(t =>
        {
            lock (_background) _background.Remove(t);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        _inputs.Writer.TryComplete();
        await _timer.DisposeAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try { await _loop.ConfigureAwait(false); }
            catch (Exception) when (_fault is not null) { } // reported through Completion and Fault already
        }
        _writeQueue.Writer.TryComplete();
        foreach (var s in _senders.Values) s.Complete();
        Task[] pending;
        lock (_background) pending = [.. _background, .. _writers];
        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            // Background work ends by cancellation; its exceptions were already handled where they mattered.
        }
        _writeSlots.Dispose();
        _stop.Dispose();
    }
}
