namespace Shoal.Bitswap;

/// <summary>The strategy names used in configuration and Lab scenarios.</summary>
public static class BitswapStrategyNames
{
    public const string Shoal = "shoal";
    public const string Bitswap12 = "bitswap-1.2";
    public const string Bitswap11 = "bitswap-1.1";

    public static BitswapStrategy Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        Shoal => BitswapStrategy.Shoal,
        Bitswap12 or "bitswap12" or "1.2" => BitswapStrategy.Bitswap12,
        Bitswap11 or "bitswap11" or "1.1" => BitswapStrategy.Bitswap11,
        _ => throw new ArgumentException($"unknown Bitswap strategy '{name}' (expected {Shoal}, {Bitswap12} or {Bitswap11})", nameof(name)),
    };

    public static string NameOf(BitswapStrategy strategy) => strategy switch
    {
        BitswapStrategy.Shoal => Shoal,
        BitswapStrategy.Bitswap12 => Bitswap12,
        _ => Bitswap11,
    };
}
