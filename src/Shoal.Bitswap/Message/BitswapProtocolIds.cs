namespace Shoal.Bitswap;

/// <summary>The libp2p protocol ids of Bitswap, newest first (the order we offer them in).</summary>
public static class BitswapProtocolIds
{
    public const string V120 = "/ipfs/bitswap/1.2.0";
    public const string V110 = "/ipfs/bitswap/1.1.0";
    public const string V100 = "/ipfs/bitswap/1.0.0";
    public const string Legacy = "/ipfs/bitswap";

    public static readonly IReadOnlyList<string> All = [V120, V110, V100, Legacy];

    public static BitswapProtocolVersion VersionOf(string protocol) => protocol switch
    {
        V120 => BitswapProtocolVersion.V120,
        V110 => BitswapProtocolVersion.V110,
        V100 or Legacy => BitswapProtocolVersion.V100,
        _ => throw new ArgumentException($"not a Bitswap protocol id: {protocol}", nameof(protocol)),
    };

    public static string IdOf(BitswapProtocolVersion version) => version switch
    {
        BitswapProtocolVersion.V120 => V120,
        BitswapProtocolVersion.V110 => V110,
        _ => V100,
    };
}
