using Shoal.Net;

namespace Shoal.Dht;

/// <summary>One node of a <see cref="SimulatedDhtNetwork"/>: the real cores, and whether it is dead (never answers).</summary>
public sealed class SimulatedDhtNode(PeerId id, IReadOnlyList<Multiaddr> addresses, RoutingTable table, ProviderStore providers, DhtRequestHandler handler)
{
    public PeerId Id { get; } = id;

    public IReadOnlyList<Multiaddr> Addresses { get; } = addresses;

    public RoutingTable Table { get; } = table;

    public ProviderStore Providers { get; } = providers;

    public DhtRequestHandler Handler { get; } = handler;

    public bool Dead { get; set; }
}
