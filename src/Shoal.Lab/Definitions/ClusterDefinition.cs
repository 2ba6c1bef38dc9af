namespace Shoal.Lab.Definitions;

/// <summary>The machines of an experiment: groups of nodes, the links between regions, an optional central registry.</summary>
public sealed record ClusterDefinition(
    string Name,
    IReadOnlyList<NodeGroupDefinition> Groups,
    IReadOnlyList<RegionLinkDefinition> Links,
    RegistryDefinition Registry)
{
    public int NodeCount => Groups.Sum(g => g.Count);

    /// <summary>The link between two regions (symmetric); within a region when both are equal. Null when none is declared.</summary>
    public RegionLinkDefinition? LinkBetween(string a, string b)
    {
        foreach (var l in Links)
            if ((l.From == a && l.To == b) || (l.From == b && l.To == a)) return l;
        return null;
    }
}

/// <summary>A set of identical nodes. Nodes are named <c>{Name}-{i}</c> and labelled with the group name, region and labels.</summary>
public sealed record NodeGroupDefinition(
    string Name,
    int Count,
    IReadOnlyList<string> Labels,
    string Region,
    double UplinkBytesPerSecond,
    double DownlinkBytesPerSecond,
    double Loss,
    TimeSpan Jitter);

/// <summary>Latency (round trip) between two regions, optional shared capacity of the path between them, loss and jitter.</summary>
public sealed record RegionLinkDefinition(
    string From,
    string To,
    TimeSpan RoundTrip,
    double? CapacityBytesPerSecond,
    double Loss,
    TimeSpan Jitter);

/// <summary>The central server of the <c>registry</c> strategy (a registry or CDN serving whole layers).</summary>
public sealed record RegistryDefinition(string Region, double UplinkBytesPerSecond, int ParallelDownloads, TimeSpan RequestOverhead);
