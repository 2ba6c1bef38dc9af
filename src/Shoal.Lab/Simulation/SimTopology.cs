using Shoal.Lab.Definitions;

namespace Shoal.Lab.Simulation;

/// <summary>A simulated machine's network attachment.</summary>
public sealed record SimEndpoint(int Index, string Name, string Region, double UplinkBytesPerSecond, double DownlinkBytesPerSecond, double Loss, TimeSpan Jitter);

/// <summary>The endpoints of a run (the cluster's nodes, then the registry when present) and the links between regions.</summary>
public sealed class SimTopology
{
    public SimTopology(IReadOnlyList<SimEndpoint> endpoints, IReadOnlyList<RegionLinkDefinition> links)
    {
        Endpoints = endpoints;
        Links = links;
    }

    public IReadOnlyList<SimEndpoint> Endpoints { get; }
    public IReadOnlyList<RegionLinkDefinition> Links { get; }

    /// <summary>The cluster's nodes as endpoints, plus the registry server last when <paramref name="withRegistry"/>.</summary>
    public static SimTopology FromCluster(ClusterDefinition cluster, IReadOnlyList<ClusterNode> nodes, bool withRegistry)
    {
        var list = nodes.Select(n => new SimEndpoint(n.Index, n.Name, n.Region, n.Group.UplinkBytesPerSecond, n.Group.DownlinkBytesPerSecond, n.Group.Loss, n.Group.Jitter)).ToList();
        if (withRegistry)
        {
            var r = cluster.Registry;
            // The registry's downlink only carries small requests; give it the uplink's capacity.
            list.Add(new SimEndpoint(list.Count, "registry", r.Region, r.UplinkBytesPerSecond, r.UplinkBytesPerSecond, 0, TimeSpan.Zero));
        }
        return new SimTopology(list, cluster.Links);
    }

    public RegionLinkDefinition LinkBetween(string a, string b)
    {
        foreach (var l in Links)
            if ((l.From == a && l.To == b) || (l.From == b && l.To == a)) return l;
        throw new InvalidOperationException($"no link (latency) is defined between regions '{a}' and '{b}'");
    }
}
