using Shoal.Lab.Content;

namespace Shoal.Lab.Simulation;

/// <summary>A simulated node's view of the world: its clock, store, neighbours, and the network to send on.</summary>
public sealed class SimNodeHost
{
    private readonly SimulationRun _sim;
    private readonly int[] _missing;
    private readonly bool[] _wanted;
    private int _partsOutstanding;
    internal int Epoch;
    internal INodeBehaviour Behaviour = null!;

    internal SimNodeHost(SimulationRun sim, int index, string name, NodeStore store, Random random, IReadOnlyList<int> neighbours, int partCount)
    {
        _sim = sim;
        Index = index;
        Name = name;
        Store = store;
        Random = random;
        Neighbours = neighbours;
        _missing = new int[partCount];
        _wanted = new bool[partCount];
        Time = new VirtualTimeProvider(() => _sim.Events.Now, SimulationRun.Epoch);
    }

    public int Index { get; }
    public string Name { get; }
    public NodeStore Store { get; }
    /// <summary>Deterministic per-node random source derived from the run's seed.</summary>
    public Random Random { get; }
    /// <summary>The nodes this one is connected to (including ones currently offline; check <see cref="IsOnline"/>).</summary>
    public IReadOnlyList<int> Neighbours { get; }
    public TimeProvider Time { get; }
    public long Now => _sim.Events.Now;
    public ContentCatalog Catalog => _sim.Catalog;
    public NodeCounters Counters { get; } = new();
    public bool IsOnline(int node) => !_sim.Network.IsOffline(node);
    public bool Finished => _partsOutstanding == 0 && Counters.FinishNs >= 0;
    public bool IsFetching(ContentPart part) => _wanted[part.Index];

    /// <summary>One-way latency to a peer.</summary>
    public long LatencyTo(int peer) => _sim.Network.OneWayLatencyNs(Index, peer);

    /// <summary>Bytes waiting or in flight on this node's connection to <paramref name="peer"/>.</summary>
    public long QueuedBytesTo(int peer, int lane = 0) => _sim.Network.QueuedBytes(Index, peer, lane);

    /// <summary>Sends a message; <paramref name="onTransmitted"/> runs when its last byte left this node (not if it went offline first).</summary>
    public void Send(int to, object payload, long wireBytes, string kind, int lane = 0, Action? onTransmitted = null)
    {
        if (!IsOnline(Index)) return;
        Action? sent = null;
        if (onTransmitted is not null)
        {
            var epoch = Epoch;
            sent = () => { if (epoch == Epoch && IsOnline(Index)) onTransmitted(); };
        }
        _sim.Network.Send(new SimMessage(Index, to, payload, wireBytes, kind, lane) { OnTransmitted = sent });
    }

    /// <summary>Adds CPU time (Stopwatch ticks) under this strategy's profile stack, e.g. "engine;MessageReceived" (nested in receive).</summary>
    public void AddProfile(string stack, long stopwatchTicks) => _sim.AddNestedProfile(stack, stopwatchTicks);

    /// <summary>The behaviour of another node of this run (for strategies that connect both ends of a link).</summary>
    public INodeBehaviour BehaviourOf(int node) => _sim.Hosts[node].Behaviour;

    /// <summary>Calls <see cref="INodeBehaviour.Timer"/> at <paramref name="atNs"/> unless the node went offline meanwhile.</summary>
    public void SetTimer(long atNs, long token)
    {
        var epoch = Epoch;
        _sim.Events.At(atNs, () =>
        {
            if (epoch != Epoch || !IsOnline(Index)) return;
            _sim.Profile("timer", () => Behaviour.Timer(token));
        });
    }

    /// <summary>Records a received block: counts it (or a duplicate), stores it, and notes finished fetches. True when new.</summary>
    public bool ReceiveBlock(int blockId, int from)
    {
        var size = Catalog[blockId].Size;
        Counters.BlocksReceived++;
        Counters.DataIn += size;
        if (Counters.FirstByteNs < 0 && _partsOutstanding > 0) Counters.FirstByteNs = Now;
        if (!Store.Add(blockId))
        {
            Counters.DupBlocks++;
            Counters.DupBytes += size;
            return false;
        }
        _sim.BlockArrived(this, blockId, from);
        var part = Catalog.PartOf(blockId).Index;
        if (_wanted[part] && --_missing[part] == 0)
        {
            _wanted[part] = false;
            _partsOutstanding--;
            _sim.PartFinished(this, Catalog.Parts[part]);
            if (_partsOutstanding == 0) { Counters.FinishNs = Now; _sim.NodeFinished(this); }
        }
        return true;
    }

    /// <summary>Counts a block this node sent (payload bytes; wire bytes are counted by the network).</summary>
    public void CountBlockSent(int blockId)
    {
        Counters.BlocksSent++;
        Counters.DataOut += Catalog[blockId].Size;
    }

    internal void BeginFetch(ContentPart part)
    {
        if (_wanted[part.Index]) return;
        var missing = 0;
        foreach (var id in part.BlockIds) if (!Store.Has(id)) missing++;
        if (Counters.StartNs < 0) Counters.StartNs = Now;
        if (missing == 0) { if (_partsOutstanding == 0 && Counters.FinishNs < 0) { Counters.FinishNs = Now; _sim.NodeFinished(this); } return; }
        _wanted[part.Index] = true;
        _missing[part.Index] = missing;
        _partsOutstanding++;
        Counters.FinishNs = -1;
    }

    internal IEnumerable<ContentPart> UnfinishedParts()
    {
        for (var i = 0; i < _wanted.Length; i++) if (_wanted[i]) yield return Catalog.Parts[i];
    }
}
