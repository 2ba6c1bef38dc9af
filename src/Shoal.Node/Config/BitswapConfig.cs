namespace Shoal.Node;

/// <summary>How the node trades blocks.</summary>
public sealed class BitswapConfig
{
    /// <summary>shoal | bitswap-1.2 | bitswap-1.1 (see issue 8 for what each does).</summary>
    public string Strategy { get; set; } = "shoal";
    /// <summary>Seconds a fetch may go without receiving any block before it fails (cat, get, pin add).</summary>
    public int FetchTimeoutSeconds { get; set; } = 30;
}
