namespace Shoal.Node;

/// <summary>How the node trades blocks.</summary>
public sealed class BitswapConfig
{
    /// <summary>shoal | bitswap-1.2 | bitswap-1.1 (see issue 8 for what each does).</summary>
    public string Strategy { get; set; } = "shoal";
    /// <summary>Serve blocks to peers that ask (false = leech only).</summary>
    public bool ServerEnabled { get; set; } = true;
    /// <summary>Seconds a gateway or cat request waits for a missing block before answering 404 / failing.</summary>
    public int FetchTimeoutSeconds { get; set; } = 30;
}
