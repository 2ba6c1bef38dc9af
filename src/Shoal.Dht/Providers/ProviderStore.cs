using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// Provider records this node serves (as a DHT server) and the keys it announces itself, with validity,
/// address TTL and hard bounds. Sans-I/O and single-threaded: the owner serialises calls and hands in the time;
/// <see cref="ProviderStoreFile"/> persists it.
/// </summary>
public sealed class ProviderStore
{
    private readonly Dictionary<ContentKey, List<ProviderRecord>> _records = new();
    private readonly Dictionary<PeerId, int> _perProvider = new();
    private readonly Dictionary<ContentKey, DateTimeOffset> _local = new();

    public ProviderStore(ProviderStoreLimits? limits = null, TimeSpan? validity = null, TimeSpan? addressTtl = null)
    {
        Limits = limits ?? new ProviderStoreLimits();
        Validity = validity ?? DhtConstants.ProviderValidity;
        AddressTtl = addressTtl ?? DhtConstants.ProviderAddressTtl;
    }

    public ProviderStoreLimits Limits { get; }

    public TimeSpan Validity { get; }

    public TimeSpan AddressTtl { get; }

    /// <summary>Records held for others and ourselves.</summary>
    public int RecordCount { get; private set; }

    public int KeyCount => _records.Count;

    /// <summary>True when something changed since the last <see cref="MarkClean"/> (tells the owner to persist).</summary>
    public bool IsDirty { get; private set; }

    public void MarkClean() => IsDirty = false;

    /// <summary>Stores or refreshes "provider has key", keeping the newest addresses.</summary>
    public ProviderAddResult Add(ContentKey key, PeerId provider, IReadOnlyList<Multiaddr> addresses, DateTimeOffset now)
        => Add(key, new ProviderRecord(provider, addresses, now, now + AddressTtl));

    internal ProviderAddResult Add(ContentKey key, ProviderRecord record)
    {
        if (!_records.TryGetValue(key, out var list))
        {
            list = null;
        }
        if (list is not null)
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i].Provider.Equals(record.Provider))
                {
                    // Keep known addresses when a refresh carries none.
                    list[i] = record.Addresses.Count > 0 ? record : record with { Addresses = list[i].Addresses, AddressesExpireAt = list[i].AddressesExpireAt };
                    IsDirty = true;
                    return ProviderAddResult.Refreshed;
                }
            }
            if (list.Count >= Limits.MaxProvidersPerKey)
            {
                return ProviderAddResult.RejectedKeyFull;
            }
        }
        if (RecordCount >= Limits.MaxRecords)
        {
            return ProviderAddResult.RejectedStoreFull;
        }
        _perProvider.TryGetValue(record.Provider, out int held);
        if (held >= Limits.MaxRecordsPerProvider)
        {
            return ProviderAddResult.RejectedProviderQuota;
        }
        if (list is null)
        {
            list = new List<ProviderRecord>(1);
            _records.Add(key, list);
        }
        list.Add(record);
        _perProvider[record.Provider] = held + 1;
        RecordCount++;
        IsDirty = true;
        return ProviderAddResult.Added;
    }

    /// <summary>Valid providers of a key, newest first, at most <paramref name="max"/>.</summary>
    public List<ProviderRecord> Get(ContentKey key, DateTimeOffset now, int max = DhtConstants.BucketSize)
    {
        var result = new List<ProviderRecord>();
        if (!_records.TryGetValue(key, out var list))
        {
            return result;
        }
        for (int i = list.Count - 1; i >= 0 && result.Count < max; i--)
        {
            if (now - list[i].ReceivedAt < Validity)
            {
                result.Add(list[i]);
            }
        }
        return result;
    }

    /// <summary>All records, for persistence.</summary>
    public IEnumerable<KeyValuePair<ContentKey, ProviderRecord>> AllRecords()
    {
        foreach (var (key, list) in _records)
        {
            foreach (var record in list)
            {
                yield return new KeyValuePair<ContentKey, ProviderRecord>(key, record);
            }
        }
    }

    /// <summary>Drops records older than the validity. Returns how many.</summary>
    public int RemoveExpired(DateTimeOffset now)
    {
        int removed = 0;
        List<ContentKey>? emptied = null;
        foreach (var (key, list) in _records)
        {
            for (int i = list.Count - 1; i >= 0; i--)
            {
                if (now - list[i].ReceivedAt >= Validity)
                {
                    Release(list[i].Provider);
                    list.RemoveAt(i);
                    removed++;
                }
            }
            if (list.Count == 0) (emptied ??= new()).Add(key);
        }
        if (emptied is not null)
        {
            foreach (var key in emptied) _records.Remove(key);
        }
        if (removed > 0) IsDirty = true;
        return removed;
    }

    private void Release(PeerId provider)
    {
        RecordCount--;
        if (_perProvider.TryGetValue(provider, out int held))
        {
            if (held <= 1) _perProvider.Remove(provider);
            else _perProvider[provider] = held - 1;
        }
    }

    /// <summary>Keys we announce ourselves, with when they were last announced.</summary>
    public IReadOnlyDictionary<ContentKey, DateTimeOffset> LocalKeys => _local;

    /// <summary>Remembers that we provide <paramref name="key"/>; false when the local bound is reached.</summary>
    public bool AddLocal(ContentKey key, DateTimeOffset announcedAt)
    {
        if (!_local.ContainsKey(key) && _local.Count >= Limits.MaxLocalKeys)
        {
            return false;
        }
        _local[key] = announcedAt;
        IsDirty = true;
        return true;
    }

    public bool RemoveLocal(ContentKey key)
    {
        bool removed = _local.Remove(key);
        if (removed) IsDirty = true;
        return removed;
    }

    /// <summary>Local keys last announced at least <paramref name="interval"/> ago, oldest first.</summary>
    public List<ContentKey> DueForReprovide(DateTimeOffset now, TimeSpan interval)
    {
        var due = new List<KeyValuePair<ContentKey, DateTimeOffset>>();
        foreach (var pair in _local)
        {
            if (now - pair.Value >= interval) due.Add(pair);
        }
        due.Sort((a, b) => a.Value.CompareTo(b.Value));
        var keys = new List<ContentKey>(due.Count);
        foreach (var pair in due) keys.Add(pair.Key);
        return keys;
    }
}
