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
        Slots = new int[connection.Path.Length];
    }

    public SimConnection Connection { get; }
    public SimMessage Message { get; }
    public long StartNs { get; }
    public double RemainingBytes { get; internal set; }
    public double Rate { get; internal set; }
    internal readonly int[] Slots;
    internal bool Frozen;
    internal int ActiveIndex = -1;
}

/// <summary>A message between two simulated nodes: an opaque payload for the receiving behaviour and its size on the wire.</summary>
public sealed record SimMessage(int From, int To, object Payload, long WireBytes, string Kind, int Lane = 0)
{
    /// <summary>Called (as an event at that instant) when the message's last byte has left the sender.</summary>
    public Action? OnTransmitted { get; init; }
}
