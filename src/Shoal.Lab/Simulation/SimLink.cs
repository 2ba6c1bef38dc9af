namespace Shoal.Lab.Simulation;

/// <summary>A capacity shared by the flows crossing it: a node's uplink or downlink, a path between regions, or a loss-limited connection.</summary>
public sealed class SimLink(int id, string name, double capacityBytesPerSecond)
{
    public int Id { get; } = id;
    public string Name { get; } = name;
    public double Capacity { get; } = capacityBytesPerSecond;

    internal readonly List<SimFlow> Flows = [];
    internal int ActiveSlot = -1;
    internal double Remaining;
    internal int Unfrozen;
    internal int Version;

    public int ActiveFlowCount => Flows.Count;
    public override string ToString() => Name;
}
