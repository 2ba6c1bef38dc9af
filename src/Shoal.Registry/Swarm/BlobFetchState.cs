namespace Shoal.Registry;

/// <summary>Where a node stands with a blob it does not hold yet but is fetching for a client: what it tells
/// peers that ask, so that N nodes pulling the same layer at once take it from the upstream once.</summary>
public enum BlobFetchState
{
    /// <summary>Not fetching it.</summary>
    None,

    /// <summary>Deciding: asking its peers whether one of them is already fetching it.</summary>
    Locating,

    /// <summary>Fetching it from the upstream registry.</summary>
    Upstream,

    /// <summary>Waiting for a peer that fetches it, then taking it from that peer.</summary>
    Waiting,
}
