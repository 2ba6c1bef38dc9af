using Shoal.Core;

namespace Shoal.Registry;

/// <summary>
/// Finding blobs in the swarm. The node implements it with DHT provider records under
/// <see cref="BlobKey.For"/> plus a small request to each provider for the root CID; tests and the Lab use
/// <see cref="InProcessSwarm"/>.
/// </summary>
public interface IBlobRouting
{
    /// <summary>Tells the swarm this node holds <paramref name="digest"/> as the DAG <paramref name="root"/>.</summary>
    Task AnnounceAsync(OciDigest digest, Cid root, long length, CancellationToken ct);

    /// <summary>Peers claiming to hold the blob, as they are found (the caller stops enumerating when it has enough).</summary>
    IAsyncEnumerable<BlobProvider> FindProvidersAsync(OciDigest digest, CancellationToken ct);

    /// <summary>The peer's claim for this digest proved false (the DAG it named did not hash to the digest,
    /// or it sent blocks that did not match their CIDs): score it down so it is asked less, or not at all.</summary>
    void ReportBadProvider(string peer, OciDigest digest, Cid? root, string reason);
}
