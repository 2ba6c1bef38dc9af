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

    /// <summary>Shoal's own (issue 9), in standard 1.2 messages: want-have subscriptions at every session peer
    /// (HAVE pushes), want-blocks per peer window (bandwidth-delay product) to the rarest block the peer holds,
    /// inner DAG nodes first, per-node random order, seeders asked only for blocks no leecher holds;
    /// server: super-seeding (a seeder uploads each block once before any twice), HAVE pushes first.</summary>
    Shoal,
}
