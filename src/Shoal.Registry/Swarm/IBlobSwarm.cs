namespace Shoal.Registry;

/// <summary>
/// The registry's only view of where blob bytes live: this node's store and the peers of the swarm.
/// Implemented over Bitswap and the DHT by the node (src/Shoal.Node/Registry), in process for tests and
/// the Lab (<see cref="InProcessBlobSwarm"/>), and by <see cref="LocalBlobCache"/> for a mirror with no peers.
/// The registry never sees libp2p.
/// </summary>
public interface IBlobSwarm
{
    /// <summary>Where the blob can be read from: this node (verified when stored) or providers in the swarm
    /// (unverified until the whole blob has been hashed). Null when nobody is known to have it.</summary>
    ValueTask<BlobSource?> LocateAsync(OciDigest digest, CancellationToken ct);

    /// <summary>The blob's bytes from <paramref name="offset"/> to its end, in order. For a remote source the
    /// implementation fetches from all providers at once and yields bytes as soon as they are in order.</summary>
    ValueTask<Stream> OpenReadAsync(BlobSource source, long offset, CancellationToken ct);

    /// <summary>Keeps a blob whose bytes were verified against <paramref name="digest"/> and announces it to the
    /// swarm. <paramref name="content"/> holds exactly <paramref name="length"/> bytes.</summary>
    ValueTask StoreAsync(OciDigest digest, Stream content, long length, CancellationToken ct);

    /// <summary>The bytes read from <paramref name="source"/> did not hash to its digest: forget the mapping,
    /// drop what was fetched for it, and score its providers down so they are not asked again.</summary>
    ValueTask RejectAsync(BlobSource source, CancellationToken ct);

    /// <summary>A download of a blob nobody was found to hold starts on this node (the mirror's pull-through):
    /// peers asking about it hear that it is being fetched.</summary>
    void DownloadStarted(OciDigest digest) { }

    /// <summary>That download ended (stored, or failed).</summary>
    void DownloadEnded(OciDigest digest) { }

    /// <summary>Before going to the upstream for a blob no peer holds: if a peer is already fetching it, wait
    /// until it holds it and return it as the source, so a swarm takes one copy from the upstream. Null: go
    /// to the upstream now (this node was chosen, or nobody else is fetching it).</summary>
    ValueTask<BlobSource?> AwaitPeerFetchAsync(OciDigest digest, CancellationToken ct) => ValueTask.FromResult<BlobSource?>(null);

    /// <summary>Like <see cref="AwaitPeerFetchAsync"/>, but reads the chosen peer's download while it is still under
    /// way: the blob's bytes from <paramref name="offset"/>, its length, and the source to reject if they do not
    /// verify. Null: go to the upstream now.</summary>
    async ValueTask<(Stream Content, long Length, BlobSource Source)?> OpenPeerFetchAsync(OciDigest digest, long offset, CancellationToken ct)
    {
        var source = await AwaitPeerFetchAsync(digest, ct).ConfigureAwait(false);
        if (source is null) return null;
        return (await OpenReadAsync(source, offset, ct).ConfigureAwait(false), source.Length, source);
    }
}
