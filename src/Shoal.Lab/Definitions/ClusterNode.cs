namespace Shoal.Lab.Definitions;

/// <summary>One node of an expanded cluster: <c>{group}-{i}</c>, with its group's region, capacities and labels.</summary>
public sealed record ClusterNode(int Index, string Name, NodeGroupDefinition Group, IReadOnlySet<string> Labels)
{
    public string Region => Group.Region;

    /// <summary>Expands groups into nodes in declaration order; labels = explicit labels + group name + region + node name.</summary>
    public static IReadOnlyList<ClusterNode> Expand(ClusterDefinition cluster)
    {
        var nodes = new List<ClusterNode>(cluster.NodeCount);
        foreach (var g in cluster.Groups)
            for (var i = 0; i < g.Count; i++)
            {
                var name = $"{g.Name}-{i}";
                var labels = new HashSet<string>(g.Labels, StringComparer.Ordinal) { g.Name, g.Region, name };
                nodes.Add(new ClusterNode(nodes.Count, name, g, labels));
            }
        return nodes;
    }
}
