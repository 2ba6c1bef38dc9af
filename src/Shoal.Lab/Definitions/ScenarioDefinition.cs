namespace Shoal.Lab.Definitions;

/// <summary>What happens in an experiment: objects, who holds them at the start, who fetches them when, churn, and the trials to compare.</summary>
public sealed record ScenarioDefinition(
    string Name,
    string Description,
    ClusterDefinition Cluster,
    IReadOnlyList<ObjectDefinition> Objects,
    IReadOnlyList<SeedStage> Seed,
    IReadOnlyList<FetchStage> Fetch,
    IReadOnlyList<ChurnEvent> Churn,
    IReadOnlyList<PeerDefinition> Peers,
    int Repetitions,
    int RandomSeed,
    TimeSpan Timeout,
    int PeersPerNode,
    string? SourceFile)
{
    /// <summary>sim: fair shares are recomputed at most once per this interval (0 = at every change, exact); a
    /// transmission that starts meanwhile waits for the next recomputation and freed capacity idles until then.</summary>
    public TimeSpan RateUpdateInterval { get; init; }

    public ObjectDefinition Object(string name) => Objects.First(o => o.Name == name);
}

/// <summary>Nodes matching <see cref="Query"/> hold <see cref="Objects"/> when the run starts.</summary>
public sealed record SeedStage(NodeQuery Query, IReadOnlyList<string> Objects);

/// <summary>Nodes matching <see cref="Query"/> fetch <see cref="Objects"/>, the first at <see cref="Start"/>, each next one <see cref="Stagger"/> later.</summary>
public sealed record FetchStage(NodeQuery Query, IReadOnlyList<string> Objects, TimeSpan Start, TimeSpan Stagger);

/// <summary>Nodes matching <see cref="Query"/> leave at <see cref="Leave"/> and, when given, come back at <see cref="Join"/>.</summary>
public sealed record ChurnEvent(NodeQuery Query, TimeSpan? Leave, TimeSpan? Join);
