namespace Shoal.Bitswap;

/// <summary>How the client decides whom to ask for what. The server side and the wire are the same for all
/// three, so every strategy stays compatible with Kubo and Helia; the Lab runs them side by side.</summary>
public enum BitswapStrategy
{
    /// <summary>Pre-1.2 behaviour: want-block to every session peer, no want-have, no DONT_HAVE; duplicates
    /// are the price of speed. Kept to measure how far 1.2 moved things.</summary>
    Bitswap11,

    /// <summary>boxo's behaviour (go-bitswap PR 189): one want-block to the best peer, want-have to the others,
    /// HAVE / DONT_HAVE presence tracking, DONT_HAVE timeouts, provider search after a delay.</summary>
    Bitswap12,

    /// <summary>Shoal's own (issue 9), starting from <see cref="Bitswap12"/>: spread want order across
    /// leechers, upload-aware peer choice (pendingBytes, measured rates), wants in flight sized to the
    /// bandwidth-delay product, inner DAG nodes first, super-seeding on the server.</summary>
    Shoal,
}
