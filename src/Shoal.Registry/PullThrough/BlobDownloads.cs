using Microsoft.Extensions.Logging;

namespace Shoal.Registry;

/// <summary>
/// Coalesces blob downloads: the first request for a digest starts one <see cref="BlobDownload"/>, every
/// request for it meanwhile reads the same spool. Owns the download loops; when one verifies, its blob is
/// handed to the swarm (stored and announced) before the download is retired.
/// </summary>
public sealed class BlobDownloads : IAsyncDisposable
{
    private readonly string _spoolDirectory;
    private readonly IBlobSwarm _swarm;
    private readonly RegistryMetrics _metrics;
    private readonly ILogger _log;
    private readonly Dictionary<OciDigest, BlobDownload> _active = new();
    private readonly Dictionary<BlobDownload, Task> _running = new();
    private readonly CancellationTokenSource _stopping = new();

    public BlobDownloads(string spoolDirectory, IBlobSwarm swarm, RegistryMetrics metrics, ILogger log)
    {
        _spoolDirectory = spoolDirectory;
        if (Directory.Exists(spoolDirectory)) Directory.Delete(spoolDirectory, recursive: true); // leftovers of a crash are unverified
        Directory.CreateDirectory(spoolDirectory);
        _swarm = swarm;
        _metrics = metrics;
        _log = log;
    }

    public int ActiveCount
    {
        get { lock (_active) return _active.Count; }
    }

    /// <summary>Joins the download of <paramref name="digest"/>, starting it with <paramref name="origins"/> if none
    /// is under way. Dispose the lease when done reading.</summary>
    public BlobDownloadLease Join(OciDigest digest, Func<IReadOnlyList<BlobOrigin>> origins)
    {
        lock (_active)
        {
            if (_active.TryGetValue(digest, out var existing) && existing.TryAddReader())
            {
                _metrics.Coalesced();
                return new BlobDownloadLease(existing, joined: true);
            }
            var download = new BlobDownload(digest, Path.Combine(_spoolDirectory, digest.Hex + "." + Guid.NewGuid().ToString("N")));
            download.TryAddReader(); // the writer's reference, released when its loop ends
            download.TryAddReader(); // the first reader's
            _active[digest] = download;
            _swarm.DownloadStarted(digest); // peers asking now hear that this node is fetching it
            var list = origins();
            if (list.Any(o => o.Kind == BlobOrigin.Upstream)) _metrics.UpstreamDownloadStarted();
            lock (_running) _running[download] = Task.Run(() => RunAsync(download, list, _stopping.Token));
            return new BlobDownloadLease(download, joined: false);
        }
    }

    /// <summary>Joins the download of <paramref name="digest"/> under way on this node, or null when there is none
    /// (a peer that waits for this node streams it from here as it grows).</summary>
    public BlobDownloadLease? TryJoin(OciDigest digest)
    {
        lock (_active)
        {
            if (!_active.TryGetValue(digest, out var existing) || !existing.TryAddReader()) return null;
            Interlocked.Increment(ref _peerReaders);
            return new BlobDownloadLease(existing, joined: true);
        }
    }

    private long _peerReaders;

    /// <summary>Downloads joined through <see cref="TryJoin"/> (peers reading a download while it is under way).</summary>
    public long PeerReaders => Interlocked.Read(ref _peerReaders);

    private async Task RunAsync(BlobDownload download, IReadOnlyList<BlobOrigin> origins, CancellationToken ct)
    {
        try
        {
            await download.RunAsync(origins, _swarm, ct).ConfigureAwait(false);
            if (download.Verified.IsCompletedSuccessfully)
            {
                _metrics.DownloadCompleted(download.BytesFromPeers, download.BytesFromUpstream);
                var length = await download.Length.ConfigureAwait(false);
                await using var content = new FileStream(download.SpoolPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);
                await _swarm.StoreAsync(download.Digest, content, length, ct).ConfigureAwait(false);
                RegistryLog.BlobStored(_log, download.Digest.ToString(), length, download.BytesFromPeers, download.BytesFromUpstream);
            }
            else if (download.Verified.Exception?.InnerException is DigestMismatchException mismatch)
            {
                _metrics.DigestMismatch();
                RegistryLog.DigestMismatch(_log, download.Digest.ToString(), mismatch.Message);
            }
            else
            {
                RegistryLog.DownloadFailed(_log, download.Digest.ToString(), download.Verified.Exception?.InnerException?.Message ?? "unknown");
            }
        }
        catch (Exception e)
        {
            download.Fail(e);
            if (e is not OperationCanceledException) RegistryLog.DownloadFailed(_log, download.Digest.ToString(), e.Message);
        }
        finally
        {
            lock (_active)
                if (_active.TryGetValue(download.Digest, out var current) && current == download) _active.Remove(download.Digest);
            _swarm.DownloadEnded(download.Digest);
            download.ReleaseReader(); // the writer's own reference
            download.Retire();
            lock (_running) _running.Remove(download);
        }
    }

    /// <summary>Completes when every download under way now has ended (verified and stored, or failed).</summary>
    public async Task IdleAsync(CancellationToken ct = default)
    {
        Task[] running;
        lock (_running) running = [.. _running.Values];
        await Task.WhenAll(running).WaitAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] running;
        lock (_running) running = [.. _running.Values];
        try { await Task.WhenAll(running).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        _stopping.Dispose();
    }
}
