namespace Shoal.Lab.Simulation;

/// <summary>One message in transmission over its connection's path, at the max-min fair rate it currently gets.</summary>
public sealed class SimFlow
{
    internal SimFlow(SimConnection connection, SimMessage message, long startNs)
    {
        Connection = connection;
        Message = message;
        RemainingBytes = message.WireBytes;
        StartNs = startNs;
        UpdatedNs = startNs;
        Path = connection.Path;
        Slots = new int[connection.Path.Length];
    }

    public SimConnection Connection { get; }
    public SimMessage Message { get; }
    public long StartNs { get; }
    /// <summary>Bytes left to send as of <see cref="UpdatedNs"/> (the network brings it up to date when rates change).</summary>
    public double RemainingBytes { get; internal set; }
    public long UpdatedNs { get; internal set; }
    /// <summary>When the last byte leaves at the current rate (long.MaxValue while the rate is 0).</summary>
    public long FinishNs { get; internal set; } = long.MaxValue;
    public double Rate { get; internal set; }
    internal readonly int[] Slots;
    /// <summary>The connection's links (read straight from the flow in the fair-share loop).</summary>
    internal readonly SimLink[] Path;
    internal bool Frozen;
    internal int ActiveIndex = -1;
}

/// <summary>A message between two simulated nodes: an opaque payload for the receiving behaviour and its size on the wire.</summary>
public sealed record SimMessage(int From, int To, object Payload, long WireBytes, string Kind, int Lane = 0)
{
    /// <summary>Called (as an event at that instant) when the message's last byte has left the sender.</summary>
    public Action? OnTransmitted { get; init; }
}
