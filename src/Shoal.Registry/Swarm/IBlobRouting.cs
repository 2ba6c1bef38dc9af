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

    /// <summary>This node's peer id as the others see it (orders nodes that start fetching one blob at the same
    /// moment: the lowest id goes to the upstream). Empty when the routing has no identity.</summary>
    string LocalPeer => "";

    /// <summary>What the peers this node talks to say about a blob it is about to fetch: held, being fetched,
    /// or nothing. Routings without that notion answer nothing, and every node goes to the upstream itself.</summary>
    IAsyncEnumerable<PeerFetch> AskFetchingPeersAsync(OciDigest digest, CancellationToken ct) => AsyncEnumerable.Empty<PeerFetch>();

    /// <summary>Waits until <paramref name="peer"/>, which is fetching the blob, holds it, and returns its claim;
    /// null when it ended without it.</summary>
    Task<BlobProvider?> WaitForPeerAsync(string peer, OciDigest digest, CancellationToken ct) => Task.FromResult<BlobProvider?>(null);

    /// <summary>The blob's bytes from <paramref name="offset"/> as <paramref name="peer"/>'s own download of it
    /// writes them (its last byte once that peer verified the whole), and the blob's length; null when the peer
    /// has no such download. Unverified here: the caller hashes the whole blob.</summary>
    Task<(Stream Content, long Length)?> OpenPeerDownloadAsync(string peer, OciDigest digest, long offset, CancellationToken ct) =>
        Task.FromResult<(Stream Content, long Length)?>(null);
}
