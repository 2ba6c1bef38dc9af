namespace Shoal.Node;

/// <summary>How the node trades blocks.</summary>
public sealed class BitswapConfig
{
    /// <summary>shoal | bitswap-1.2 | bitswap-1.1 (see issue 8 for what each does).</summary>
    public string Strategy { get; set; } = "shoal";
    /// <summary>Seconds a fetch may go without receiving any block before it fails (cat, get, pin add).</summary>
    public int FetchTimeoutSeconds { get; set; } = 30;
    /// <summary>Upload rate for blocks, bytes per second, shared by all peers (0 = no cap). The Lab's local driver sets
    /// it from the scenario's bandwidth, so daemons on one machine's loopback have the links the simulator models.</summary>
    public long MaxUploadBytesPerSecond { get; set; }
    /// <summary>Download rate for blocks, bytes per second, shared by all peers (0 = no cap); set by the Lab's local driver too.</summary>
    public long MaxDownloadBytesPerSecond { get; set; }
}
