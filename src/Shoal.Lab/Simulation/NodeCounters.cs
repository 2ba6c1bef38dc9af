namespace Shoal.Lab.Simulation;

/// <summary>What one simulated node did during a trial.</summary>
public sealed class NodeCounters
{
    public long StartNs = -1;
    public long FirstByteNs = -1;
    public long FinishNs = -1;
    public long BytesIn;
    public long BytesOut;
    public long DataIn;
    public long DataOut;
    public int BlocksReceived;
    public int BlocksSent;
    public int DupBlocks;
    public long DupBytes;
    public int MessagesIn;
    public int MessagesOut;
}
