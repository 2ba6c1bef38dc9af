using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>Joins <see cref="InMemoryBitswapNetwork"/> endpoints in one process: tests and examples get
/// real message encoding, real ordering and real asynchrony without sockets.</summary>
public sealed class InMemoryBitswapHub
{
    private readonly Lock _lock = new();
    private readonly Dictionary<PeerId, InMemoryBitswapNetwork> _endpoints = [];
    private readonly HashSet<(PeerId, PeerId)> _links = [];

    /// <summary>Adds a node. With <paramref name="uploadBytesPerSecond"/> &gt; 0 its sends are paced like a link
    /// of that speed (messages leave one after another), so who uploads what matters as it does on a network.</summary>
    public InMemoryBitswapNetwork CreateEndpoint(PeerId peer, BitswapProtocolVersion version = BitswapProtocolVersion.V120,
        double uploadBytesPerSecond = 0)
    {
        var endpoint = new InMemoryBitswapNetwork(this, peer, version, uploadBytesPerSecond);
        lock (_lock) _endpoints.Add(peer, endpoint);
        return endpoint;
    }

    /// <summary>Links two endpoints; both hear OnPeerConnected with the older of their two versions.</summary>
    public void Connect(PeerId a, PeerId b)
    {
        InMemoryBitswapNetwork ea, eb;
        lock (_lock)
        {
            ea = _endpoints[a];
            eb = _endpoints[b];
            if (!_links.Add((a, b))) return;
            _links.Add((b, a));
        }
        var version = (BitswapProtocolVersion)Math.Min((int)ea.Version, (int)eb.Version);
        ea.RaiseConnected(b, version);
        eb.RaiseConnected(a, version);
    }

    public void Disconnect(PeerId a, PeerId b)
    {
        InMemoryBitswapNetwork? ea, eb;
        lock (_lock)
        {
            if (!_links.Remove((a, b))) return;
            _links.Remove((b, a));
            _endpoints.TryGetValue(a, out ea);
            _endpoints.TryGetValue(b, out eb);
        }
        ea?.RaiseDisconnected(b);
        eb?.RaiseDisconnected(a);
    }

    internal bool TryGetLinked(PeerId from, PeerId to, out InMemoryBitswapNetwork endpoint)
    {
        lock (_lock)
        {
            if (_links.Contains((from, to)) && _endpoints.TryGetValue(to, out endpoint!)) return true;
        }
        endpoint = null!;
        return false;
    }

    internal bool Exists(PeerId peer)
    {
        lock (_lock) return _endpoints.ContainsKey(peer);
    }

    internal void Remove(PeerId peer)
    {
        List<PeerId> linked = [];
        lock (_lock)
        {
            _endpoints.Remove(peer);
            foreach (var (a, b) in _links)
            {
                if (a.Equals(peer)) linked.Add(b);
            }
        }
        foreach (var other in linked) Disconnect(peer, other);
    }
}
