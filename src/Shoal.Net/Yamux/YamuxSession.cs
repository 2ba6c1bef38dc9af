using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace Shoal.Net;

/// <summary>
/// A Yamux session over a duplex pipe (normally a Noise channel). One read loop parses frames and never blocks on
/// writes; writes are serialized by a lock; window updates, ACKs, RSTs and ping replies go through a control queue
/// so the read loop cannot deadlock against a peer that is also writing.
/// </summary>
public sealed class YamuxSession : IAsyncDisposable
{
    public const string ProtocolId = "/yamux/1.0.0";
    /// <summary>GoAway codes from the spec.</summary>
    public const uint GoAwayNormal = 0, GoAwayProtocolError = 1, GoAwayInternalError = 2;
    /// <summary>How long teardown waits to get a GoAway out before giving up on a stuck peer.</summary>
    private static readonly TimeSpan CloseWriteTimeout = TimeSpan.FromSeconds(1);

    private readonly IDuplexPipe _pipe;
    private readonly bool _isClient;
    private readonly ConcurrentDictionary<uint, YamuxStream> _streams = new();
    private readonly Channel<YamuxStream> _acceptQueue;
    // Unbounded, but bounded in practice: each entry answers a frame the peer sent or a read the app made.
    private readonly Channel<(YamuxHeader Header, YamuxStream? Stream)> _control = Channel.CreateUnbounded<(YamuxHeader, YamuxStream?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource<Exception?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _startTimestamp;
    private readonly Task _run;
    private uint _nextStreamId;
    private int _inboundCount;
    private int _outboundCount;
    private volatile bool _closed;
    private volatile bool _remoteGoAway;
    private int _disposed;
    private uint _pingCounter;
    private TaskCompletionSource<bool>? _pendingPing;
    private uint _pendingPingId;
    private long _rttTicks;
    private Exception? _keepAliveFailure;

    // Resumable state of a data frame whose payload is still arriving.
    private YamuxStream? _dataStream;
    /// <summary>Streams given data during the current read of the connection, flushed to their readers after it (read loop only).</summary>
    private readonly List<YamuxStream> _toFlush = [];
    private long _dataRemaining;
    private YamuxFlags _dataFlags;

    public YamuxSession(IDuplexPipe pipe, bool isClient, YamuxOptions? options = null)
    {
        _pipe = pipe;
        _isClient = isClient;
        Options = options ?? new YamuxOptions();
        _nextStreamId = isClient ? 1u : 2u;
        _acceptQueue = Channel.CreateBounded<YamuxStream>(new BoundedChannelOptions(Options.AcceptBacklog) { FullMode = BoundedChannelFullMode.Wait });
        _startTimestamp = Options.TimeProvider.GetTimestamp();
        _run = RunAsync();
    }

    public YamuxOptions Options { get; }
    public bool IsClosed => _closed;
    /// <summary>Completes when the session ends; the result is the error that ended it (null = clean close).</summary>
    public Task<Exception?> Completion => _completion.Task;
    /// <summary>Last keepalive round trip (zero until measured).</summary>
    public TimeSpan RoundTripTime => TimeSpan.FromTicks(Interlocked.Read(ref _rttTicks));
    public int StreamCount => _streams.Count;
    internal TimeSpan Now => Options.TimeProvider.GetElapsedTime(_startTimestamp);

    /// <summary>Opens a stream (sends SYN; data may follow at once, before the peer's ACK).</summary>
    public async Task<YamuxStream> OpenStreamAsync(CancellationToken cancellationToken = default)
    {
        if (_closed) throw new IOException("Yamux session is closed.");
        if (_remoteGoAway) throw new IOException("Yamux peer sent GoAway; no new streams.");
        if (Interlocked.Increment(ref _outboundCount) > Options.MaxOutboundStreams)
        {
            Interlocked.Decrement(ref _outboundCount);
            throw new IOException($"Yamux: {Options.MaxOutboundStreams} outbound streams already open.");
        }
        uint id;
        lock (_streams)
        {
            id = _nextStreamId;
            if (id > uint.MaxValue - 2) throw new IOException("Yamux stream ids exhausted.");
            _nextStreamId += 2;
        }
        var stream = new YamuxStream(this, id, inbound: false, Options.MaxReceiveWindow);
        _streams[id] = stream;
        try
        {
            await WriteFrameAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, id, 0), default, null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            stream.OnSessionClosed(new IOException("Yamux stream open failed."));
            RemoveStream(stream);
            throw;
        }
        return stream;
    }

    /// <summary>Waits for the next stream the peer opens.</summary>
    public async ValueTask<YamuxStream> AcceptStreamAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _acceptQueue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new IOException("Yamux session is closed.");
        }
    }

    /// <summary>Sends a ping and waits for its echo; returns the round trip.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        uint id;
        lock (_streams)
        {
            if (_pendingPing is not null) throw new InvalidOperationException("A Yamux ping is already outstanding.");
            id = ++_pingCounter;
            _pendingPing = tcs;
            _pendingPingId = id;
        }
        long start = Options.TimeProvider.GetTimestamp();
        try
        {
            await WriteFrameAsync(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Syn, 0, id), default, null, cancellationToken).ConfigureAwait(false);
            using (cancellationToken.Register(() => tcs.TrySetCanceled(cancellationToken)))
                await tcs.Task.ConfigureAwait(false);
            var rtt = Options.TimeProvider.GetElapsedTime(start);
            Interlocked.Exchange(ref _rttTicks, Math.Max(1, rtt.Ticks));
            return rtt;
        }
        finally
        {
            lock (_streams) _pendingPing = null;
        }
    }

    internal void EnqueueControl(YamuxHeader header, YamuxStream? stream)
    {
        if (!_closed) _control.Writer.TryWrite((header, stream));
    }

    internal void RemoveStream(YamuxStream stream)
    {
        if (_streams.TryRemove(new KeyValuePair<uint, YamuxStream>(stream.Id, stream)))
        {
            if (stream.IsInbound) Interlocked.Decrement(ref _inboundCount);
            else Interlocked.Decrement(ref _outboundCount);
        }
    }

    internal async ValueTask WriteFrameAsync(YamuxHeader header, ReadOnlySequence<byte> payload, YamuxStream? stream, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closed) throw new IOException("Yamux session is closed.");
            if (stream is not null && stream.TakeAckPending()) header = header with { Flags = header.Flags | YamuxFlags.Ack };
            var output = _pipe.Output;
            header.Write(output.GetSpan(YamuxHeader.Size));
            output.Advance(YamuxHeader.Size);
            foreach (var segment in payload) output.Write(segment.Span);
            var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCompleted) throw new IOException("Yamux connection closed by the peer.");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes <paramref name="data"/> as consecutive Data frames of at most <see cref="YamuxOptions.MaxDataFrameSize"/>
    /// under one hold of the write lock and with one flush: a stream's bulk data wakes the layer below once per batch
    /// instead of once per frame. The caller has already taken the send window for all of it.</summary>
    internal async ValueTask WriteDataAsync(uint streamId, ReadOnlySequence<byte> data, YamuxStream stream, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closed) throw new IOException("Yamux session is closed.");
            var output = _pipe.Output;
            var flags = stream.TakeAckPending() ? YamuxFlags.Ack : YamuxFlags.None;
            while (!data.IsEmpty)
            {
                int length = (int)Math.Min(data.Length, Options.MaxDataFrameSize);
                new YamuxHeader(YamuxFrameType.Data, flags, streamId, (uint)length).Write(output.GetSpan(YamuxHeader.Size));
                output.Advance(YamuxHeader.Size);
                flags = YamuxFlags.None;
                var frame = data.Slice(0, length);
                foreach (var segment in frame) output.Write(segment.Span);
                data = data.Slice(frame.End);
            }
            var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCompleted) throw new IOException("Yamux connection closed by the peer.");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        var control = ControlLoopAsync();
        var keepAlive = KeepAliveLoopAsync();
        Exception? error = null;
        uint goAwayCode = GoAwayNormal;
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested) { error = _keepAliveFailure; }
        catch (YamuxProtocolException e) { error = e; goAwayCode = GoAwayProtocolError; }
        catch (Exception e) when (e is IOException or InvalidOperationException) { error = e; goAwayCode = GoAwayInternalError; }

        // Tell the peer why (best effort), then stop everything.
        if (!_closed)
        {
            using var timeout = new CancellationTokenSource(CloseWriteTimeout);
            try { await WriteFrameAsync(new YamuxHeader(YamuxFrameType.GoAway, YamuxFlags.None, 0, goAwayCode), default, null, timeout.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException) { }
        }
        _closed = true;
        _control.Writer.TryComplete();
        _acceptQueue.Writer.TryComplete();
        _cts.Cancel();
        var closedError = error ?? new IOException("Yamux session closed.");
        foreach (var stream in _streams.Values) stream.OnSessionClosed(closedError);
        while (_acceptQueue.Reader.TryRead(out var unaccepted)) await unaccepted.DisposeAsync().ConfigureAwait(false);
        lock (_streams) _pendingPing?.TrySetException(closedError);
        await Task.WhenAll(control, keepAlive).ConfigureAwait(false);
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _pipe.Output.CompleteAsync().ConfigureAwait(false);
            await _pipe.Input.CompleteAsync().ConfigureAwait(false);
        }
        finally { _writeLock.Release(); }
        _completion.TrySetResult(error);
    }

    private async Task ReadLoopAsync()
    {
        var input = _pipe.Input;
        while (true)
        {
            var result = await input.ReadAsync(_cts.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (true)
                {
                    if (_dataRemaining > 0)
                    {
                        if (buffer.IsEmpty) break;
                        long n = Math.Min(buffer.Length, _dataRemaining);
                        if (_dataStream is not null && _dataStream.Deliver(buffer.Slice(0, n)) && !_toFlush.Contains(_dataStream)) _toFlush.Add(_dataStream);
                        buffer = buffer.Slice(n);
                        _dataRemaining -= n;
                        if (_dataRemaining == 0) FinishDataFrame();
                        continue;
                    }
                    if (!YamuxHeader.TryRead(ref buffer, out var header)) break;
                    HandleHeader(header);
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
            // Streams' readers wake once per read of the connection, not once per frame.
            foreach (var stream in _toFlush) await stream.FlushDeliveredAsync().ConfigureAwait(false);
            _toFlush.Clear();
            if (result.IsCompleted)
            {
                if (_dataRemaining > 0 || !buffer.IsEmpty) throw new IOException("Yamux connection closed in the middle of a frame.");
                return;
            }
        }
    }

    private void FinishDataFrame()
    {
        var stream = _dataStream;
        _dataStream = null;
        if (stream is not null) ApplyCloseFlags(stream, _dataFlags);
    }

    private void HandleHeader(YamuxHeader header)
    {
        switch (header.Type)
        {
            case YamuxFrameType.Data:
            case YamuxFrameType.WindowUpdate:
                HandleStreamFrame(header);
                break;
            case YamuxFrameType.Ping:
                if (header.StreamId != 0) throw new YamuxProtocolException($"Yamux: ping on stream {header.StreamId}.");
                if ((header.Flags & YamuxFlags.Syn) != 0)
                    EnqueueControl(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Ack, 0, header.Length), null);
                else if ((header.Flags & YamuxFlags.Ack) != 0)
                    lock (_streams) if (_pendingPing is not null && _pendingPingId == header.Length) _pendingPing.TrySetResult(true);
                break;
            case YamuxFrameType.GoAway:
                _remoteGoAway = true;
                break;
        }
    }

    private void HandleStreamFrame(YamuxHeader header)
    {
        uint id = header.StreamId;
        if (id == 0) throw new YamuxProtocolException($"Yamux: {header.Type} frame on stream 0.");
        YamuxStream? stream;
        if ((header.Flags & YamuxFlags.Syn) != 0)
        {
            bool peerParity = _isClient ? id % 2 == 0 : id % 2 == 1;
            if (!peerParity) throw new YamuxProtocolException($"Yamux: peer opened stream {id} with our parity.");
            if (_streams.ContainsKey(id)) throw new YamuxProtocolException($"Yamux: peer reopened live stream {id}.");
            stream = AdmitInbound(id);
        }
        else
        {
            _streams.TryGetValue(id, out stream);
        }

        if (header.Type == YamuxFrameType.WindowUpdate)
        {
            if (stream is null) return; // late frame for a closed stream
            stream.OnWindowUpdate(header.Length);
            ApplyCloseFlags(stream, header.Flags);
            return;
        }

        if (header.Length > Options.MaxReceiveWindow) throw new YamuxProtocolException($"Yamux: data frame of {header.Length} bytes exceeds any window we grant.");
        stream?.OnDataHeader(header.Length);
        _dataStream = stream;
        _dataRemaining = header.Length;
        _dataFlags = header.Flags;
        if (header.Length == 0) FinishDataFrame();
    }

    private YamuxStream? AdmitInbound(uint id)
    {
        if (_closed || Interlocked.Increment(ref _inboundCount) > Options.MaxInboundStreams)
        {
            if (!_closed) Interlocked.Decrement(ref _inboundCount);
            EnqueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, id, 0), null);
            return null; // its data, if any, is read and dropped
        }
        var stream = new YamuxStream(this, id, inbound: true, Options.MaxReceiveWindow);
        _streams[id] = stream;
        if (!_acceptQueue.Writer.TryWrite(stream))
        {
            stream.Reset();
            return null;
        }
        // Acknowledge now (the stream's first frame would carry the ACK anyway).
        EnqueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, id, 0), stream);
        return stream;
    }

    private static void ApplyCloseFlags(YamuxStream stream, YamuxFlags flags)
    {
        if ((flags & YamuxFlags.Rst) != 0) stream.OnRemoteReset();
        else if ((flags & YamuxFlags.Fin) != 0) stream.OnRemoteFin();
    }

    private async Task ControlLoopAsync()
    {
        try
        {
            await foreach (var (header, stream) in _control.Reader.ReadAllAsync(_cts.Token).ConfigureAwait(false))
            {
                // A bare ACK whose stream already sent a frame (which carried the ACK) is redundant.
                if (header.Type == YamuxFrameType.WindowUpdate && header.Length == 0 && header.Flags == YamuxFlags.None && stream is not null)
                {
                    await WriteAckIfPendingAsync(stream).ConfigureAwait(false);
                    continue;
                }
                await WriteFrameAsync(header, default, stream, _cts.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
    }

    private async ValueTask WriteAckIfPendingAsync(YamuxStream stream)
    {
        await _writeLock.WaitAsync(_cts.Token).ConfigureAwait(false);
        bool pending;
        try { pending = stream.TakeAckPending(); }
        finally { _writeLock.Release(); }
        // Between release and write another frame could go first; harmless, as that frame only lacks an ACK we then send.
        if (pending) await WriteFrameAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Ack, stream.Id, 0), default, null, _cts.Token).ConfigureAwait(false);
    }

    private async Task KeepAliveLoopAsync()
    {
        var token = _cts.Token;
        try
        {
            // An early ping measures the round trip that window auto-tuning needs (go-yamux does the same).
            var delay = TimeSpan.Zero;
            while (!token.IsCancellationRequested)
            {
                if (delay > TimeSpan.Zero) await Task.Delay(delay, Options.TimeProvider, token).ConfigureAwait(false);
                delay = Options.KeepAliveInterval;
                using var deadline = new CancellationTokenSource(Options.KeepAliveTimeout, Options.TimeProvider);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token, deadline.Token);
                try
                {
                    await PingAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    // Dead peer: end the session and say why.
                    _keepAliveFailure = new TimeoutException($"Yamux keepalive ping unanswered for {Options.KeepAliveTimeout}.");
                    _cts.Cancel();
                    return;
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
        catch (InvalidOperationException) { }
    }

    /// <summary>Sends GoAway, resets what is left and waits for the loops to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _run.ConfigureAwait(false);
            return;
        }
        _cts.Cancel();
        await _run.ConfigureAwait(false);
        _cts.Dispose();
    }
}
