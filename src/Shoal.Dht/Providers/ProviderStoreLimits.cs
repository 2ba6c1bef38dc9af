namespace Shoal.Dht;

/// <summary>Bounds that keep the provider store's memory finite whatever peers send.</summary>
public sealed record ProviderStoreLimits
{
    /// <summary>Total records held (a record is ~200 bytes, so ~200 MB at the default; a node serving a big registry needs many).</summary>
    public int MaxRecords { get; init; } = 1_000_000;

    /// <summary>Records one provider peer may hold here, so one flooding peer cannot fill the store.</summary>
    public int MaxRecordsPerProvider { get; init; } = 100_000;

    /// <summary>Providers kept per key: lookups stop at k (20) anyway; a few more survive churn.</summary>
    public int MaxProvidersPerKey { get; init; } = 64;

    /// <summary>Keys we announce ourselves (republished every 22 h).</summary>
    public int MaxLocalKeys { get; init; } = 1_000_000;
}
