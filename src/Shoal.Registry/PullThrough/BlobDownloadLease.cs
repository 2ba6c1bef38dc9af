namespace Shoal.Registry;

/// <summary>A request's hold on a shared download: keeps the spool open until disposed.</summary>
public sealed class BlobDownloadLease : IDisposable
{
    private int _disposed;

    internal BlobDownloadLease(BlobDownload download, bool joined)
    {
        Download = download;
        Joined = joined;
    }

    public BlobDownload Download { get; }

    /// <summary>True when the request joined a download another request had started.</summary>
    public bool Joined { get; }

    /// <summary>A reader of [offset, end) that follows the writer (end -1: to the blob's end).</summary>
    public Stream OpenReader(long offset = 0, long end = -1) => new BlobDownloadReader(Download, offset, end);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) Download.ReleaseReader();
    }
}
