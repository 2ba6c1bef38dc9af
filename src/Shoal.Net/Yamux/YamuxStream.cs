using System.Buffers;
using System.IO.Pipelines;

namespace Shoal.Net;

/// <summary>
/// One Yamux stream. Reads are bounded by our receive window (the input pipe never holds more than the window, so it
/// needs no pause threshold); writes go through a pump that never sends past the peer's window.
/// </summary>
public sealed class YamuxStream : IDuplexPipe, IAsyncDisposable
{
    /// <summary>Bytes an application may write ahead of the send pump before FlushAsync waits (one window's worth).</summary>
    private const long OutputPauseThreshold = YamuxOptions.InitialWindow;
    /// <summary>Pipe segment size: bulk writes (a 1 MiB Bitswap block) otherwise go in 4 KiB segments, hundreds per
    /// MiB in flight, more than the shared array pool keeps, so most were fresh allocations.</summary>
    private const int PipeSegmentSize = 64 * 1024;
    /// <summary>Most data one session write carries (split into frames of at most MaxDataFrameSize, one lock, one flush):
    /// the initial window, so bulk data wakes the Noise layer a few times per MiB while another stream waits at most
    /// this long for its turn.</summary>
    private const int MaxWriteBatch = (int)YamuxOptions.InitialWindow;

    private readonly YamuxSession _session;
    private readonly YamuxFlowControl _flow;
    private readonly object _lock = new();
    private readonly Pipe _input = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: PipeSegmentSize, useSynchronizationContext: false));
    private readonly Pipe _output = new(new PipeOptions(pauseWriterThreshold: OutputPauseThreshold, resumeWriterThreshold: OutputPauseThreshold / 2, minimumSegmentSize: PipeSegmentSize, useSynchronizationContext: false));
    private readonly WindowedReader _reader;
    private readonly SemaphoreSlim _windowSignal = new(0, 1);
    private readonly CancellationTokenSource _pumpCts = new();
    private readonly Task _sendPump;
    private bool _ackPending;
    /// <summary>Bytes delivered since the last flush of the input (read loop only).</summary>
    private long _unflushed;
    private bool _readerDone;
    private bool _inputWriterDone;
    private volatile bool _finSent;
    private volatile bool _finReceived;
    private volatile bool _reset;
    private int _removed;
    private Exception? _pumpError;

    internal YamuxStream(YamuxSession session, uint id, bool inbound, uint maxReceiveWindow)
    {
        _session = session;
        Id = id;
        IsInbound = inbound;
        _ackPending = inbound;
        _flow = new YamuxFlowControl(maxReceiveWindow);
        _reader = new WindowedReader(this, _input.Reader);
        _sendPump = SendPumpAsync();
    }

    public uint Id { get; }
    public bool IsInbound { get; }
    public PipeReader Input => _reader;
    public PipeWriter Output => _output.Writer;
    public bool IsReset => _reset;

    /// <summary>Where this stream's payload bytes are counted once its protocol is known (null = not counted).</summary>
    public ProtocolMeter? Meter { get; set; }

    /// <summary>Half-closes: the pump sends what was written, then FIN. Reading continues.</summary>
    public async ValueTask CloseWriteAsync(CancellationToken cancellationToken = default)
    {
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _sendPump.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_pumpError is not null) throw new StreamResetException($"Yamux stream {Id}: could not finish writing: {_pumpError.Message}");
    }

    /// <summary>Aborts the stream both ways and tells the peer (RST). Other streams are untouched.</summary>
    public void Reset()
    {
        if (_reset) return;
        _reset = true;
        _pumpCts.Cancel();
        if (!(_finSent && _finReceived)) _session.EnqueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, Id, 0), this);
        _reader.Complete(new StreamResetException($"Yamux stream {Id} was reset locally."));
        TryRemove();
    }

    /// <summary>Closes politely: FIN after pending writes, stop reading (unread data is dropped and its window credited back).</summary>
    public async ValueTask DisposeAsync()
    {
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _sendPump.ConfigureAwait(false);
    }

    internal bool TakeAckPending()
    {
        if (!_ackPending) return false;
        _ackPending = false;
        return true;
    }

    // ---- called by the session's read loop only ----

    internal void OnDataHeader(uint length)
    {
        lock (_lock) _flow.OnDataReceived(length);
    }

    /// <summary>Appends received payload to the input without flushing it (the read loop flushes once per read of the
    /// connection, <see cref="FlushDeliveredAsync"/>). Returns true when bytes await that flush; data for a stream
    /// nobody reads any more is dropped and its window credited back at once.</summary>
    internal bool Deliver(ReadOnlySequence<byte> data)
    {
        bool discard;
        lock (_lock) discard = _readerDone || _reset || _inputWriterDone;
        Meter?.AddIn(data.Length);
        if (discard)
        {
            Credit(data.Length);
            return false;
        }
        foreach (var segment in data) _input.Writer.Write(segment.Span);
        _unflushed += data.Length;
        return true;
    }

    /// <summary>Makes delivered bytes visible to the reader. The input pipe has no pause threshold, so this completes at once;
    /// if the reader completed meanwhile, the bytes are dropped and credited back.</summary>
    internal async ValueTask FlushDeliveredAsync()
    {
        long delivered = _unflushed;
        _unflushed = 0;
        bool done;
        lock (_lock) done = _inputWriterDone;
        if (done) return; // completing the writer committed them (FIN) or dropped them (reset, session end)
        var flush = await _input.Writer.FlushAsync().ConfigureAwait(false);
        if (flush.IsCompleted) Credit(delivered);
    }

    private void Credit(long length)
    {
        uint credit;
        lock (_lock) credit = _finReceived || _reset ? 0 : _flow.OnDiscarded((uint)length);
        if (credit > 0) _session.EnqueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, Id, credit), this);
    }

    internal void OnWindowUpdate(uint delta)
    {
        if (delta == 0) return;
        lock (_lock) _flow.OnWindowUpdate(delta);
        try { if (_windowSignal.CurrentCount == 0) _windowSignal.Release(); }
        catch (SemaphoreFullException) { }
    }

    internal void OnRemoteFin()
    {
        if (_finReceived) return;
        _finReceived = true;
        CompleteInputWriter(null);
        if (_finSent) TryRemove();
    }

    internal void OnRemoteReset()
    {
        _reset = true;
        _pumpCts.Cancel();
        CompleteInputWriter(new StreamResetException($"Yamux stream {Id} was reset by the peer."));
        TryRemove();
    }

    internal void OnSessionClosed(Exception error)
    {
        _pumpCts.Cancel();
        if (!_finReceived) CompleteInputWriter(error);
    }

    private void CompleteInputWriter(Exception? error)
    {
        lock (_lock)
        {
            if (_inputWriterDone) return;
            _inputWriterDone = true;
        }
        _input.Writer.Complete(error);
    }

    // ---- application side ----

    private void OnConsumed(long count)
    {
        uint delta;
        lock (_lock)
        {
            delta = _flow.OnConsumed(count, _session.Now, _session.RoundTripTime);
            if (_finReceived || _reset) delta = 0;
        }
        if (delta > 0) _session.EnqueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, Id, delta), this);
    }

    private void OnReaderStalled()
    {
        uint delta;
        lock (_lock)
        {
            delta = _finReceived || _reset ? 0 : _flow.OnReaderStalled();
        }
        if (delta > 0) _session.EnqueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, Id, delta), this);
    }

    private void OnReaderCompleted()
    {
        uint credit;
        lock (_lock)
        {
            if (_readerDone) return;
            _readerDone = true;
            credit = _finReceived || _reset || _flow.Buffered == 0 ? 0 : _flow.OnDiscarded((uint)_flow.Buffered);
        }
        if (credit > 0) _session.EnqueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, Id, credit), this);
    }

    private async Task SendPumpAsync()
    {
        await Task.Yield();
        var reader = _output.Reader;
        var token = _pumpCts.Token;
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(token).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (!buffer.IsEmpty)
                    {
                        int wanted = (int)Math.Min(buffer.Length, MaxWriteBatch);
                        int granted;
                        while (true)
                        {
                            lock (_lock) granted = _flow.TakeSendWindow(wanted);
                            if (granted > 0) break;
                            await _windowSignal.WaitAsync(token).ConfigureAwait(false);
                        }
                        var chunk = buffer.Slice(0, granted);
                        await _session.WriteDataAsync(Id, chunk, this, token).ConfigureAwait(false);
                        Meter?.AddOut(granted);
                        buffer = buffer.Slice(granted);
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }
                if (result.IsCompleted) break;
            }
            await _session.WriteFrameAsync(new YamuxHeader(YamuxFrameType.Data, YamuxFlags.Fin, Id, 0), default, this, token).ConfigureAwait(false);
            _finSent = true;
            if (_finReceived) TryRemove();
        }
        catch (OperationCanceledException)
        {
            error = new StreamResetException($"Yamux stream {Id} was reset or its connection closed.");
        }
        catch (IOException e)
        {
            error = e;
        }
        _pumpError = error;
        await reader.CompleteAsync(error).ConfigureAwait(false);
    }

    private void TryRemove()
    {
        if (Interlocked.Exchange(ref _removed, 1) == 0) _session.RemoveStream(this);
    }

    /// <summary>The application's view of the input: counts consumed bytes to credit the receive window.</summary>
    private sealed class WindowedReader(YamuxStream stream, PipeReader inner) : PipeReader
    {
        private ReadOnlySequence<byte> _last;

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
            _last = result.Buffer;
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result)) return false;
            _last = result.Buffer;
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            long count = _last.Slice(_last.Start, consumed).Length;
            bool wantsMore = examined.Equals(_last.End);
            _last = default;
            inner.AdvanceTo(consumed, examined);
            if (count > 0) stream.OnConsumed(count);
            if (wantsMore) stream.OnReaderStalled();
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null)
        {
            inner.Complete(exception);
            stream.OnReaderCompleted();
        }
    }
}
