using Shoal.Lab.Definitions;
using Shoal.Lab.Simulation;

namespace Shoal.Lab.Strategies;

/// <summary>Makes a fresh <see cref="SimStrategy"/> for a trial from its peer definition's strategy name.</summary>
public static class StrategyCatalog
{
    /// <summary>Factories for the Bitswap strategies (registered by the Bitswap adapter).</summary>
    private static readonly Dictionary<string, Func<PeerDefinition, SimStrategy>> Extra = new(StringComparer.Ordinal);

    public static void Register(string name, Func<PeerDefinition, SimStrategy> factory) => Extra[name] = factory;

    public static SimStrategy Create(PeerDefinition peer) => peer.Strategy switch
    {
        "registry" => new RegistryStrategy(),
        "ideal" => new IdealStrategy(),
        _ when Extra.TryGetValue(peer.Strategy, out var f) => f(peer),
        _ when BitswapSimStrategy.Supports(peer.Strategy) => new BitswapSimStrategy(peer),
        _ => throw new NotSupportedException($"strategy '{peer.Strategy}' is not available in the simulator"),
    };
}
