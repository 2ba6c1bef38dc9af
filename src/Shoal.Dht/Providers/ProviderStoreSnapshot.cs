namespace Shoal.Dht;

/// <summary>A point-in-time copy of a <see cref="ProviderStore"/>, written to disk without holding the store's lock.</summary>
public sealed record ProviderStoreSnapshot(
    IReadOnlyList<KeyValuePair<ContentKey, ProviderRecord>> Records,
    IReadOnlyList<KeyValuePair<ContentKey, DateTimeOffset>> LocalKeys);
