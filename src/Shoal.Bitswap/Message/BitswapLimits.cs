namespace Shoal.Bitswap;

/// <summary>Bounds on what we accept from the wire, checked before anything is allocated.</summary>
public static class BitswapLimits
{
    /// <summary>The spec: all protocol messages MUST be at most 4 MiB.</summary>
    public const int MaxMessageSize = 4 * 1024 * 1024;

    /// <summary>The spec: implementations MUST handle blocks up to 2 MiB; larger ones are not interoperable.</summary>
    public const int MaxBlockSize = 2 * 1024 * 1024;

    /// <summary>boxo's MaximumAllowedCid: 4 worst-case varints (40 B) + a 128 B digest.</summary>
    public const int MaxCidSize = 168;

    /// <summary>Wantlist entries per message before the peer counts as abusive; boxo keeps only 1024 per peer,
    /// Kubo's full wantlist stays far below this, and 32 Ki entries of a 4 MiB message are ~1.5 MiB of CIDs.</summary>
    public const int MaxWantlistEntriesPerMessage = 32 * 1024;

    /// <summary>Blocks plus presences per message: 4 MiB of 1-byte blocks would otherwise be a million objects.</summary>
    public const int MaxItemsPerMessage = 32 * 1024;
}
