using System.Buffers.Binary;

namespace Shoal.Net;

/// <summary>In-process transport over a shared <see cref="MemoryNetwork"/>; addresses are <c>/memory/N</c> (multicodec 0x0309, 64-bit id).</summary>
public sealed class MemoryTransport(MemoryNetwork network) : ITransport
{
    public MemoryNetwork Network { get; } = network;

    public bool CanDial(Multiaddr address) => TryGetId(address, allowPeerId: true, out _);
    public bool CanListen(Multiaddr address) => TryGetId(address, allowPeerId: false, out _);

    public Task<ITransportConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken = default)
    {
        if (!TryGetId(address, allowPeerId: true, out ulong id) || id == 0) throw new ArgumentException($"Memory transport cannot dial '{address}'.", nameof(address));
        return Network.DialAsync(id, cancellationToken);
    }

    public Task<ITransportListener> ListenAsync(Multiaddr address, CancellationToken cancellationToken = default)
    {
        if (!TryGetId(address, allowPeerId: false, out ulong id)) throw new ArgumentException($"Memory transport cannot listen on '{address}'.", nameof(address));
        return Task.FromResult(Network.Listen(id));
    }

    private static bool TryGetId(Multiaddr address, bool allowPeerId, out ulong id)
    {
        id = 0;
        var c = address.Components;
        if (c.Count == 0 || c[0].Protocol != MultiaddrProtocol.Memory) return false;
        if (c.Count > 2 || (c.Count == 2 && (!allowPeerId || c[1].Protocol != MultiaddrProtocol.P2p))) return false;
        id = BinaryPrimitives.ReadUInt64BigEndian(c[0].Value.Span);
        return true;
    }
}
