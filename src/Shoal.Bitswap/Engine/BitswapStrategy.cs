namespace Shoal.Bitswap;

/// <summary>How the client decides whom to ask for what. The server side and the wire are the same for all
/// three, so every strategy stays compatible with Kubo and Helia; the Lab runs them side by side.</summary>
public enum BitswapStrategy
{
    /// <summary>Pre-1.2 behaviour (go-bitswap before PR 189): no want-have, no DONT_HAVE; a session keeps 32 wants
    /// live and sends each as want-block to one group of its peers, splitting them into more groups while duplicates
    /// exceed 40%. Kept to measure how far 1.2 moved things.</summary>
    Bitswap11,

    /// <summary>boxo's behaviour (go-bitswap PR 189): one want-block to the best peer (HAVE first, ties picked at random
    /// weighted by who delivered first), want-have to the others, HAVE / DONT_HAVE presence tracking, DONT_HAVE
    /// timeouts, provider search after a delay.</summary>
    Bitswap12,

    /// <summary>Shoal's own (issue 9), starting from <see cref="Bitswap12"/>: spread want order across
    /// leechers, upload-aware peer choice (pendingBytes, measured rates), wants in flight sized to the
    /// bandwidth-delay product, inner DAG nodes first, super-seeding on the server.</summary>
    Shoal,
}
