using System.Collections.Concurrent;

namespace Shoal.Net;

/// <summary>What the host knows about peers: addresses (bounded per peer), protocols and agent from identify.</summary>
public sealed class PeerStore(int maxAddressesPerPeer)
{
    private sealed class Entry
    {
        public readonly List<Multiaddr> Addresses = [];
        public IReadOnlyList<string> Protocols = [];
        public string? AgentVersion;
        public PublicKey? PublicKey;
    }

    private readonly ConcurrentDictionary<PeerId, Entry> _entries = new();

    public void AddAddresses(PeerId peer, IEnumerable<Multiaddr> addresses)
    {
        var entry = _entries.GetOrAdd(peer, _ => new Entry());
        lock (entry)
        {
            foreach (var address in addresses)
            {
                var bare = address.WithoutPeerId();
                if (entry.Addresses.Count >= maxAddressesPerPeer) break;
                if (!entry.Addresses.Contains(bare)) entry.Addresses.Add(bare);
            }
        }
    }

    public void SetIdentify(PeerId peer, IdentifyResult result)
    {
        var entry = _entries.GetOrAdd(peer, _ => new Entry());
        lock (entry)
        {
            entry.Protocols = result.Protocols;
            entry.AgentVersion = result.AgentVersion;
            entry.PublicKey = result.PublicKey;
        }
        AddAddresses(peer, result.ListenAddresses);
    }

    public PeerInfo? Get(PeerId peer)
    {
        if (!_entries.TryGetValue(peer, out var entry)) return null;
        lock (entry) return new PeerInfo(peer, entry.Addresses.ToArray(), entry.Protocols, entry.AgentVersion);
    }

    public PublicKey? GetPublicKey(PeerId peer)
    {
        if (!_entries.TryGetValue(peer, out var entry)) return null;
        lock (entry) return entry.PublicKey;
    }
}
