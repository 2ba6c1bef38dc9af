namespace Shoal.Lab.Simulation;

/// <summary>
/// The ordered path from one node to another (a TCP connection): messages go out one after another (FIFO, as
/// over one stream), each crossing the sender's uplink, any region path, and the receiver's downlink.
/// </summary>
public sealed class SimConnection
{
    internal SimConnection(int from, int to, int lane, SimLink[] path, long latencyNs, long jitterNs, double lossRateCap)
    {
        From = from;
        To = to;
        Lane = lane;
        Path = path;
        LatencyNs = latencyNs;
        JitterNs = jitterNs;
        LossRateCap = lossRateCap;
    }

    public int From { get; }
    public int To { get; }
    /// <summary>Parallel connections between the same pair (e.g. one HTTP download per layer) have distinct lanes.</summary>
    public int Lane { get; }
    public SimLink[] Path { get; }
    /// <summary>One-way propagation delay.</summary>
    public long LatencyNs { get; }
    public long JitterNs { get; }
    /// <summary>Rate limit from packet loss (bytes/s; infinity when lossless).</summary>
    public double LossRateCap { get; }

    internal readonly Queue<SimMessage> Pending = new();
    internal SimFlow? Active;
    internal long LastDeliveryNs;
    internal long LastSmallDeliveryNs;

    /// <summary>Bytes queued behind the message in transmission (what a sender's pendingBytes would report).</summary>
    public long QueuedBytes { get; internal set; }
}
