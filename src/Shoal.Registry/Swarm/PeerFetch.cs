namespace Shoal.Registry;

/// <summary>A peer's answer about a blob: it holds it (<paramref name="Held"/>), or it is fetching it (<paramref name="State"/>).</summary>
public sealed record PeerFetch(string Peer, BlobProvider? Held, BlobFetchState State);
