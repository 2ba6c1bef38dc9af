using System.Security.Cryptography;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// Kademlia routing table: 256 k-buckets indexed by the common prefix length between a peer's key and ours.
/// Sans-I/O and single-threaded: the owner serialises calls and hands in the time; eviction of dead peers is
/// decided by the owner (ping the candidate returned with <see cref="RoutingTableUpdate.BucketFull"/>).
/// </summary>
public sealed class RoutingTable
{
    private readonly List<RoutingEntry>[] _buckets = new List<RoutingEntry>[KadKey.Bits];
    private readonly DateTimeOffset[] _lastRefreshed = new DateTimeOffset[KadKey.Bits];
    private readonly Dictionary<PeerId, RoutingEntry> _byPeer = new();

    public RoutingTable(PeerId self, DateTimeOffset now, int bucketSize = DhtConstants.BucketSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketSize, 1);
        Self = self;
        SelfKey = KadKey.Hash(self.Bytes.Span);
        BucketSize = bucketSize;
        for (int i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] = new List<RoutingEntry>(0);
            _lastRefreshed[i] = now;
        }
    }

    public PeerId Self { get; }

    public KadKey SelfKey { get; }

    public int BucketSize { get; }

    public int Count => _byPeer.Count;

    /// <summary>Raised when a peer enters the table.</summary>
    public event Action<PeerId>? PeerAdded;

    /// <summary>Raised when a peer leaves the table.</summary>
    public event Action<PeerId>? PeerRemoved;

    public bool Contains(PeerId peer) => _byPeer.ContainsKey(peer);

    public IEnumerable<RoutingEntry> Entries => _byPeer.Values;

    /// <summary>Bucket index of a key: its common prefix length with our key (255 at most; self is never stored).</summary>
    public int BucketIndexOf(in KadKey key) => Math.Min(SelfKey.CommonPrefixLength(key), KadKey.Bits - 1);

    public IReadOnlyList<RoutingEntry> Bucket(int index) => _buckets[index];

    /// <summary>
    /// Adds a peer that speaks the DHT protocol, or refreshes it when present. When its bucket is full, nothing
    /// changes and <paramref name="evictionCandidate"/> is the least recently seen peer of that bucket.
    /// </summary>
    public RoutingTableUpdate TryAdd(PeerId peer, DateTimeOffset now, out PeerId? evictionCandidate)
    {
        evictionCandidate = null;
        if (peer.Equals(Self))
        {
            return RoutingTableUpdate.Self;
        }
        if (_byPeer.TryGetValue(peer, out var existing))
        {
            if (now > existing.LastSeen) existing.LastSeen = now;
            return RoutingTableUpdate.Refreshed;
        }
        var key = KadKey.Hash(peer.Bytes.Span);
        var bucket = _buckets[BucketIndexOf(key)];
        if (bucket.Count >= BucketSize)
        {
            RoutingEntry oldest = bucket[0];
            for (int i = 1; i < bucket.Count; i++)
            {
                if (bucket[i].LastSeen < oldest.LastSeen) oldest = bucket[i];
            }
            evictionCandidate = oldest.Peer;
            return RoutingTableUpdate.BucketFull;
        }
        var entry = new RoutingEntry(peer, key, now);
        bucket.Add(entry);
        _byPeer.Add(peer, entry);
        PeerAdded?.Invoke(peer);
        return RoutingTableUpdate.Added;
    }

    /// <summary>Records that a peer in the table answered us or sent us a request.</summary>
    public void MarkSeen(PeerId peer, DateTimeOffset now)
    {
        if (_byPeer.TryGetValue(peer, out var entry) && now > entry.LastSeen)
        {
            entry.LastSeen = now;
        }
    }

    /// <summary>Removes a peer (it is dead, or stopped speaking the protocol). Returns whether it was present.</summary>
    public bool Remove(PeerId peer)
    {
        if (!_byPeer.Remove(peer, out var entry))
        {
            return false;
        }
        _buckets[BucketIndexOf(entry.Key)].Remove(entry);
        PeerRemoved?.Invoke(peer);
        return true;
    }

    /// <summary>Up to <paramref name="count"/> peers closest to <paramref name="target"/>, closest first.</summary>
    public List<PeerId> NearestPeers(in KadKey target, int count, PeerId? exclude = null)
    {
        var result = new List<PeerId>(Math.Min(count, _byPeer.Count));
        if (count <= 0 || _byPeer.Count == 0)
        {
            return result;
        }
        // Peers in the bucket of the target's prefix length are the closest; then deeper buckets (all at the same
        // distance band as the target's bucket), then shallower ones in decreasing order. Gather enough, then sort.
        var candidates = new List<RoutingEntry>(count * 2);
        int start = BucketIndexOf(target);
        candidates.AddRange(_buckets[start]);
        for (int i = start + 1; i < _buckets.Length; i++)
        {
            candidates.AddRange(_buckets[i]);
        }
        for (int i = start - 1; i >= 0 && candidates.Count < count + (exclude is null ? 0 : 1); i--)
        {
            candidates.AddRange(_buckets[i]);
        }
        var t = target;
        candidates.Sort((a, b) => t.CompareDistance(a.Key, b.Key));
        foreach (var entry in candidates)
        {
            if (exclude is not null && entry.Peer.Equals(exclude)) continue;
            result.Add(entry.Peer);
            if (result.Count == count) break;
        }
        return result;
    }

    /// <summary>Records that a lookup went through the bucket that <paramref name="target"/> falls in.</summary>
    public void MarkRefreshed(in KadKey target, DateTimeOffset now) => _lastRefreshed[BucketIndexOf(target)] = now;

    /// <summary>
    /// Buckets (by common prefix length, up to <see cref="DhtConstants.MaxRefreshCommonPrefixLength"/> and one past the
    /// deepest non-empty bucket) not refreshed within <paramref name="interval"/>.
    /// </summary>
    public List<int> StaleBuckets(DateTimeOffset now, TimeSpan interval)
    {
        int deepest = -1;
        for (int i = _buckets.Length - 1; i >= 0; i--)
        {
            if (_buckets[i].Count > 0) { deepest = i; break; }
        }
        int last = Math.Min(DhtConstants.MaxRefreshCommonPrefixLength, deepest + 1);
        var stale = new List<int>();
        for (int i = 0; i <= last; i++)
        {
            if (now - _lastRefreshed[i] >= interval) stale.Add(i);
        }
        return stale;
    }

    /// <summary>
    /// A random lookup key (shaped as a sha2-256 multihash, which every implementation accepts as a FIND_NODE key)
    /// whose hash shares exactly <paramref name="commonPrefixLength"/> leading bits with ours. Costs about
    /// 2^(cpl+1) hashes, hence the refresh depth cap.
    /// </summary>
    public byte[] RandomKeyForBucket(int commonPrefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(commonPrefixLength, DhtConstants.MaxRefreshCommonPrefixLength);
        ArgumentOutOfRangeException.ThrowIfNegative(commonPrefixLength);
        var key = new byte[34];
        key[0] = 0x12;
        key[1] = 0x20;
        while (true)
        {
            RandomNumberGenerator.Fill(key.AsSpan(2));
            if (SelfKey.CommonPrefixLength(KadKey.Hash(key)) == commonPrefixLength)
            {
                return key;
            }
        }
    }
}
