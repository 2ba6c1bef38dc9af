using Shoal.Lab.Content;
using Shoal.Lab.Definitions;

namespace Shoal.Lab.Simulation;

/// <summary>What a strategy may know about a trial before it starts: the scenario, nodes, content and the initial plan.</summary>
public sealed class SimulationContext
{
    public required ScenarioDefinition Scenario { get; init; }
    public required IReadOnlyList<ClusterNode> Nodes { get; init; }
    public required ContentCatalog Catalog { get; init; }
    public required FluidNetwork Network { get; init; }
    /// <summary>Node indexes holding each part at the start, per part index.</summary>
    public required IReadOnlyList<IReadOnlyList<int>> InitialHolders { get; init; }
    /// <summary>Node indexes that will fetch each part, per part index.</summary>
    public required IReadOnlyList<IReadOnlyList<int>> Fetchers { get; init; }
    /// <summary>The registry endpoint's index, or -1.</summary>
    public required int RegistryIndex { get; init; }
    public required int RandomSeed { get; init; }
    public required PeerDefinition Peer { get; init; }
}
