namespace Shoal.Lab.Drivers;

/// <summary>One node's place in a <see cref="KernelNetwork"/>.</summary>
/// <param name="Namespace">Its network namespace (<c>ip netns exec</c> runs the daemon there).</param>
/// <param name="DataAddress">Its address on the shaped bridge: the daemon's swarm listens here and peers dial it.</param>
/// <param name="ApiAddress">Its address on the unshaped management bridge: the daemon's HTTP API, reached from this process.</param>
/// <param name="HostDataLink">The bridge side of its shaped veth (its download's qdisc).</param>
public sealed record KernelNode(int Index, string Name, string Namespace, string DataAddress, string ApiAddress, string HostDataLink,
    double UplinkBytesPerSecond, double DownlinkBytesPerSecond);
