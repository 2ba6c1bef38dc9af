using System.Collections.Concurrent;

namespace Shoal.Registry;

/// <summary>Which digest a tag pointed to at the upstream, and when we last asked. Tags move, so an entry is
/// fresh only for a short TTL; a stale entry is still used when the upstream cannot be reached.</summary>
public sealed class TagCache(TimeProvider time, TimeSpan ttl)
{
    private readonly ConcurrentDictionary<(string Registry, string Name, string Tag), Entry> _entries = new();

    public readonly record struct Entry(OciDigest Digest, string MediaType, DateTimeOffset CheckedAt);

    public bool TryGet(string registry, string name, string tag, out Entry entry, out bool fresh)
    {
        fresh = false;
        if (!_entries.TryGetValue((registry, name, tag), out entry)) return false;
        fresh = time.GetUtcNow() - entry.CheckedAt < ttl;
        return true;
    }

    public void Set(string registry, string name, string tag, OciDigest digest, string mediaType) =>
        _entries[(registry, name, tag)] = new Entry(digest, mediaType, time.GetUtcNow());

    public void Remove(string registry, string name, string tag) => _entries.TryRemove((registry, name, tag), out _);
}
