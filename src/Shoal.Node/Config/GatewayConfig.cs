namespace Shoal.Node;

/// <summary>Behaviour of the trustless gateway.</summary>
public sealed class GatewayConfig
{
    /// <summary>Fetch blocks the node lacks from peers (false = serve only what is stored locally).</summary>
    public bool FetchMissing { get; set; } = true;
    /// <summary>Seconds the gateway searches for a missing block before a 404; bounded so clients never hang.</summary>
    public int NotFoundTimeoutSeconds { get; set; } = 10;
}
