using Shoal.Lab.Content;

namespace Shoal.Lab.Simulation;

/// <summary>
/// What runs on a simulated node: a strategy's client and server logic. The simulator calls it on virtual time,
/// one call at a time; it acts only through its <see cref="SimNodeHost"/> (send, set a timer, store a block).
/// The Bitswap strategies wrap the real sans-I/O Bitswap cores in one of these.
/// </summary>
public interface INodeBehaviour
{
    /// <summary>The node comes online (at the start, or when it rejoins after churn).</summary>
    void Start();

    /// <summary>The node goes offline; its timers will not fire and its messages are dropped.</summary>
    void Stop();

    void PeerJoined(int peer);
    void PeerLeft(int peer);

    /// <summary>A message from another node fully arrived.</summary>
    void Receive(int from, object payload);

    /// <summary>A timer set with <see cref="SimNodeHost.SetTimer"/> fired.</summary>
    void Timer(long token);

    /// <summary>The scenario asks this node to fetch a part (called again for unfinished parts after a rejoin).</summary>
    void Fetch(ContentPart part);
}

/// <summary>A way of moving content compared in an experiment (<c>bitswap-1.2</c>, <c>registry</c>, ...): makes each node's behaviour.</summary>
public abstract class SimStrategy
{
    public abstract string Name { get; }

    /// <summary>True when the run needs the central registry endpoint (the <c>registry</c> strategy).</summary>
    public virtual bool UsesRegistry => false;

    /// <summary>A short description of the model for the report.</summary>
    public abstract string Describe();

    /// <summary>Called once per trial before nodes are created.</summary>
    public virtual void Prepare(SimulationContext context) { }

    public abstract INodeBehaviour CreateNode(SimNodeHost host);

    public virtual INodeBehaviour CreateRegistry(SimNodeHost host) => throw new NotSupportedException($"{Name} uses no registry");
}

/// <summary>A behaviour that keeps its own traffic statistics (e.g. Bitswap's) and fills the node's counters at the end of a run.</summary>
public interface INodeStatsSource
{
    void FillCounters(NodeCounters counters);
}
