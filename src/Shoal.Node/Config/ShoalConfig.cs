namespace Shoal.Node;

/// <summary>
/// The node's configuration file (<c>config.json</c> or <c>config.yaml</c> in the repository), section by
/// section. Every key and default is documented in docs/config.md; keep the two in step.
/// </summary>
public sealed class ShoalConfig
{
    public IdentityConfig Identity { get; set; } = new();
    public AddressesConfig Addresses { get; set; } = new();
    public List<string> Bootstrap { get; set; } = [];
    public DhtConfig Dht { get; set; } = new();
    public DatastoreConfig Datastore { get; set; } = new();
    public LimitsConfig Limits { get; set; } = new();
    public BitswapConfig Bitswap { get; set; } = new();
    public GatewayConfig Gateway { get; set; } = new();
    public RegistryMirrorConfig Registry { get; set; } = new();
    public TelemetryConfig Telemetry { get; set; } = new();

    /// <summary>Keys set by environment variables or flags, and by which, so errors can say where a bad value came from.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Dictionary<string, string> Overrides { get; } = new(StringComparer.OrdinalIgnoreCase);
}
