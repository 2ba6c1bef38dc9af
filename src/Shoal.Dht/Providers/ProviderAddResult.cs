namespace Shoal.Dht;

/// <summary>Outcome of storing a provider record; the rejections are how the store stays bounded.</summary>
public enum ProviderAddResult
{
    Added,
    Refreshed,
    RejectedStoreFull,
    RejectedProviderQuota,
    RejectedKeyFull,
}
