using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Shoal.Registry;

/// <summary>
/// One download of one blob into a spool file, shared by every client that asks for it meanwhile. The
/// writer takes bytes from its origins in order (peers, then the upstream, resuming at the byte where the
/// previous one stopped), hashes them as they arrive, and readers follow the writer through the file. The
/// last byte is held back from readers until the whole blob has hashed to its digest, so a client never
/// sees a complete response for content that failed verification.
/// </summary>
public sealed class BlobDownload
{
    /// <summary>Copy granularity: big enough for few syscalls, small enough that readers follow closely.</summary>
    private const int ChunkSize = 64 * 1024;

    private readonly object _gate = new();
    private readonly TaskCompletionSource<long> _length = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _verified = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _written;
    private long _total = -1; // the blob's length once an origin has told it; written by the download loop only
    private Exception? _failure;
    private bool _complete;

    internal BlobDownload(OciDigest digest, string spoolPath)
    {
        Digest = digest;
        SpoolPath = spoolPath;
        Handle = File.OpenHandle(spoolPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
    }

    public OciDigest Digest { get; }
    internal string SpoolPath { get; }
    internal SafeFileHandle Handle { get; }

    /// <summary>Completes with the blob's length once an origin has told it (or at completion), faults when none can serve it.</summary>
    public Task<long> Length => _length.Task;

    /// <summary>Completes when every byte is in and verified; faults on mismatch or when all origins failed.</summary>
    public Task Verified => _verified.Task;

    /// <summary>Bytes taken from each origin kind, for metrics.</summary>
    public long BytesFromPeers { get; private set; }
    public long BytesFromUpstream { get; private set; }

    /// <summary>Runs the download to its end. Owned by <see cref="BlobDownloads"/>.</summary>
    internal async Task RunAsync(IReadOnlyList<BlobOrigin> origins, IBlobSwarm swarm, CancellationToken ct)
    {
        using var hasher = Digest.CreateHasher();
        var buffer = new byte[ChunkSize];
        var done = false;
        var usedPeers = new List<BlobSource>();
        var errors = new List<string>();
        foreach (var origin in origins)
        {
            if (done) break;
            for (var retriesLeft = origin.TransientRetries; ; retriesLeft--)
            {
                try
                {
                    done = await TakeFromAsync(origin, hasher, buffer, usedPeers, errors, ct).ConfigureAwait(false);
                    break;
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    errors.Add($"{origin.Kind}: {e.Message}");
                    if (e is UpstreamRefusedException && _written == 0) { Fail(e); return; }
                    if (retriesLeft <= 0 || !IsTransient(e)) break;
                    // else: the same origin again on a fresh connection, from the byte where it stopped
                }
            }
        }
        if (!done)
        {
            Fail(new BlobNotFoundException($"{Digest}: no origin could serve it ({string.Join("; ", errors)})"));
            return;
        }
        if (!Digest.Matches(hasher.GetHashAndReset()))
        {
            foreach (var source in usedPeers) await swarm.RejectAsync(source, ct).ConfigureAwait(false);
            Fail(new DigestMismatchException($"{Digest}: received bytes hash to something else (from {(usedPeers.Count > 0 ? "peers" : "upstream")})"));
            return;
        }
        _length.TrySetResult(_written);
        lock (_gate) _complete = true;
        _verified.TrySetResult();
        Signal();
    }

    /// <summary>Copies an origin's bytes from <see cref="_written"/> on; true when the blob is complete, false (with the
    /// reason in <paramref name="errors"/>) when this origin cannot finish it.</summary>
    private async Task<bool> TakeFromAsync(BlobOrigin origin, IncrementalHash hasher, byte[] buffer, List<BlobSource> usedPeers,
        List<string> errors, CancellationToken ct)
    {
        var opened = await origin.Open(_written, ct).ConfigureAwait(false);
        if (opened is null) { errors.Add(origin.Kind + ": not found"); return false; }
        await using var content = opened.Value.Content;
        if (opened.Value.Length >= 0)
        {
            if (_total >= 0 && _total != opened.Value.Length) { errors.Add($"{origin.Kind}: length {opened.Value.Length} differs from {_total}"); return false; }
            _total = opened.Value.Length;
            _length.TrySetResult(_total);
        }
        if ((origin.Source ?? origin.OpenedSource?.Invoke()) is { } s && !usedPeers.Contains(s)) usedPeers.Add(s);
        while (true)
        {
            var n = await content.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (n == 0) break;
            if (_total >= 0 && _written + n > _total) throw new InvalidDataException($"{origin.Kind} sent more than {_total} bytes");
            hasher.AppendData(buffer, 0, n);
            await RandomAccess.WriteAsync(Handle, buffer.AsMemory(0, n), _written, ct).ConfigureAwait(false);
            if (origin.Kind == BlobOrigin.Peers) BytesFromPeers += n; else BytesFromUpstream += n;
            Advance(n);
        }
        if (_total >= 0 && _written != _total) { errors.Add($"{origin.Kind}: ended at byte {_written} of {_total}"); return false; }
        return true;
    }

    /// <summary>A failure of the connection itself (reset, refused, closed mid-body), which a fresh connection may not repeat;
    /// not an answer the origin gave (not found, refused, a length or content that does not add up).</summary>
    internal static bool IsTransient(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case InvalidDataException or UpstreamRefusedException or OperationCanceledException:
                    return false;
                case System.Net.Sockets.SocketException:
                    return true;
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded }:
                    return true;
                case HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    return true;
            }
        }
        return false;
    }

    private void Advance(long n)
    {
        Volatile.Write(ref _written, _written + n);
        Signal();
    }

    internal void Fail(Exception e)
    {
        lock (_gate) _failure ??= e;
        _length.TrySetException(e);
        _verified.TrySetException(e);
        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource old;
        lock (_gate)
        {
            old = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        old.TrySetResult();
    }

    /// <summary>How many bytes from <paramref name="position"/> a reader may take now, whether the download is
    /// complete (so 0 readable means the end), and a task that completes at the next change; throws the download's
    /// failure. All three come from one snapshot: a reader that asked "complete?" separately could see 0 readable
    /// (the last byte still held back), then completion, and end one byte short.</summary>
    internal long Readable(long position, out bool complete, out Task changed)
    {
        lock (_gate)
        {
            changed = _changed.Task;
            if (_failure is not null) throw new IOException($"download of {Digest} failed: {_failure.Message}", _failure);
            complete = _complete;
            var written = Volatile.Read(ref _written);
            var limit = complete ? written : written - 1; // hold back the last byte until verified
            return Math.Max(0, limit - position);
        }
    }

    private int _readers;
    private bool _retired;

    /// <summary>Registers a reader of the spool; false once the download has been retired and its file closed.</summary>
    internal bool TryAddReader()
    {
        lock (_gate)
        {
            if (_retired) return false;
            _readers++;
            return true;
        }
    }

    internal void ReleaseReader()
    {
        bool close;
        lock (_gate) close = --_readers == 0 && _retired;
        if (close) CloseSpool();
    }

    /// <summary>No new readers; the spool is closed and deleted when the last reader leaves.</summary>
    internal void Retire()
    {
        bool close;
        lock (_gate)
        {
            _retired = true;
            close = _readers == 0;
        }
        if (close) CloseSpool();
    }

    private void CloseSpool()
    {
        Handle.Dispose();
        try { File.Delete(SpoolPath); } catch (IOException) { } // best effort: the spool directory is emptied at start
    }
}
