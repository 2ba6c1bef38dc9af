using System.Diagnostics.Metrics;

namespace Shoal.Registry;

/// <summary>Where the mirror's bytes came from. Plain counters for reports and tests, and the same figures
/// as <see cref="System.Diagnostics.Metrics"/> instruments on the meter <c>Shoal.Registry</c> for exporters.</summary>
public sealed class RegistryMetrics : IDisposable
{
    public const string MeterName = "Shoal.Registry";

    private readonly Meter _meter;
    private long _blobsFromPeers, _blobsFromUpstream, _blobsFromLocal, _bytesFromPeers, _bytesFromUpstream, _bytesServed;
    private long _upstreamBlobDownloads, _digestMismatches, _manifestsFromUpstream, _manifestsFromLocal, _manifestsFromPeers, _coalescedRequests;

    public RegistryMetrics()
    {
        _meter = new Meter(MeterName);
        _meter.CreateObservableCounter("shoal.registry.blobs.from_peers", () => BlobsFromPeers, description: "Blob downloads completed from swarm peers");
        _meter.CreateObservableCounter("shoal.registry.blobs.from_upstream", () => BlobsFromUpstream, description: "Blob downloads completed from the upstream registry");
        _meter.CreateObservableCounter("shoal.registry.blobs.from_local", () => BlobsFromLocal, description: "Blob requests served from this node's store");
        _meter.CreateObservableCounter("shoal.registry.bytes.from_peers", () => BytesFromPeers, unit: "By");
        _meter.CreateObservableCounter("shoal.registry.bytes.from_upstream", () => BytesFromUpstream, unit: "By");
        _meter.CreateObservableCounter("shoal.registry.bytes.served", () => BytesServed, unit: "By");
        _meter.CreateObservableCounter("shoal.registry.digest_mismatches", () => DigestMismatches);
        _meter.CreateObservableCounter("shoal.registry.requests.coalesced", () => CoalescedRequests, description: "Blob requests that joined a download already under way");
    }

    public long BlobsFromPeers => Interlocked.Read(ref _blobsFromPeers);
    public long BlobsFromUpstream => Interlocked.Read(ref _blobsFromUpstream);
    public long BlobsFromLocal => Interlocked.Read(ref _blobsFromLocal);
    public long BytesFromPeers => Interlocked.Read(ref _bytesFromPeers);
    public long BytesFromUpstream => Interlocked.Read(ref _bytesFromUpstream);
    public long BytesServed => Interlocked.Read(ref _bytesServed);
    public long UpstreamBlobDownloads => Interlocked.Read(ref _upstreamBlobDownloads);
    public long DigestMismatches => Interlocked.Read(ref _digestMismatches);
    public long ManifestsFromUpstream => Interlocked.Read(ref _manifestsFromUpstream);
    public long ManifestsFromLocal => Interlocked.Read(ref _manifestsFromLocal);
    public long ManifestsFromPeers => Interlocked.Read(ref _manifestsFromPeers);
    public long CoalescedRequests => Interlocked.Read(ref _coalescedRequests);

    internal void DownloadCompleted(long fromPeers, long fromUpstream)
    {
        if (fromPeers > 0) Interlocked.Increment(ref _blobsFromPeers);
        if (fromUpstream > 0) Interlocked.Increment(ref _blobsFromUpstream);
        Interlocked.Add(ref _bytesFromPeers, fromPeers);
        Interlocked.Add(ref _bytesFromUpstream, fromUpstream);
    }

    internal void UpstreamDownloadStarted() => Interlocked.Increment(ref _upstreamBlobDownloads);
    internal void ServedFromLocal() => Interlocked.Increment(ref _blobsFromLocal);
    internal void Served(long bytes) => Interlocked.Add(ref _bytesServed, bytes);
    internal void DigestMismatch() => Interlocked.Increment(ref _digestMismatches);
    internal void ManifestFromUpstream() => Interlocked.Increment(ref _manifestsFromUpstream);
    internal void ManifestFromLocal() => Interlocked.Increment(ref _manifestsFromLocal);
    internal void ManifestFromPeers() => Interlocked.Increment(ref _manifestsFromPeers);
    internal void Coalesced() => Interlocked.Increment(ref _coalescedRequests);

    public override string ToString() =>
        $"blobs peers={BlobsFromPeers} upstream={BlobsFromUpstream} local={BlobsFromLocal}; bytes peers={BytesFromPeers} upstream={BytesFromUpstream} served={BytesServed}; mismatches={DigestMismatches}";

    public void Dispose() => _meter.Dispose();
}
