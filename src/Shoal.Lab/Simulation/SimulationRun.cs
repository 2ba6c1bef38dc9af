using System.Diagnostics;
using Shoal.Lab.Content;
using Shoal.Lab.Definitions;
using Shoal.Lab.Reports;

namespace Shoal.Lab.Simulation;

/// <summary>
/// One trial on the simulator: expands the cluster, seeds content, schedules fetches and churn, hosts one
/// <see cref="INodeBehaviour"/> per node on the <see cref="FluidNetwork"/>, and runs virtual time until every
/// fetcher is done (or gone, or the timeout). Same inputs and seed → the same result, byte for byte.
/// </summary>
public sealed class SimulationRun
{
    /// <summary>The wall-clock instant virtual time zero maps to (for cores that read a TimeProvider).</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly ScenarioDefinition _scenario;
    private readonly SimStrategy _strategy;
    private readonly PeerDefinition _peer;
    private readonly int _seed;
    private readonly int _repetition;
    private readonly IProgress<double>? _progress;
    private readonly List<SimNodeHost> _hosts = [];
    private readonly HashSet<int> _pendingFetchers = [];
    private readonly Dictionary<int, List<ContentPart>> _deferredFetches = new();
    private readonly HashSet<int> _goneForGood = [];
    private IReadOnlyList<ClusterNode> _nodes = [];
    private string[] _roles = [];

    public SimulationRun(ScenarioDefinition scenario, ContentCatalog catalog, SimStrategy strategy, PeerDefinition peer, int seed, int repetition = 0, IProgress<double>? progress = null)
    {
        _scenario = scenario;
        Catalog = catalog;
        _strategy = strategy;
        _peer = peer;
        _seed = seed;
        _repetition = repetition;
        _progress = progress;
        Events = new EventQueue();
    }

    public EventQueue Events { get; }
    public ContentCatalog Catalog { get; }
    public FluidNetwork Network { get; private set; } = null!;
    public TrialArtifacts Artifacts { get; } = new();
    public IReadOnlyList<SimNodeHost> Hosts => _hosts;

    public TrialResult Run()
    {
        var wall = Stopwatch.StartNew();
        var random = new Random(_seed);
        _nodes = ClusterNode.Expand(_scenario.Cluster);
        var n = _nodes.Count;
        var topology = SimTopology.FromCluster(_scenario.Cluster, _nodes, _strategy.UsesRegistry);
        var interval = VirtualClock.FromTimeSpan(_scenario.RateUpdateInterval);
        Network = new FluidNetwork(Events, topology, new Random(random.Next())) { RateUpdateIntervalNs = interval, LazyFairShare = interval > 0 };
        Network.Delivered += OnDelivered;
        Network.TransmissionFinished += (m, s, e) => Artifacts.AddTransfer(new TransferSpan(m.From, m.To, VirtualClock.ToSeconds(s), VirtualClock.ToSeconds(e), m.WireBytes, m.Kind));
        var registryIndex = _strategy.UsesRegistry ? n : -1;

        // Seeding and the fetch plan (queries with "random" draw from the run's seed, in declaration order).
        var holders = Enumerable.Range(0, Catalog.Parts.Count).Select(_ => new List<int>()).ToList();
        var fetchers = Enumerable.Range(0, Catalog.Parts.Count).Select(_ => new List<int>()).ToList();
        var stores = Enumerable.Range(0, topology.Endpoints.Count).Select(_ => new NodeStore(Catalog.Blocks.Count)).ToArray();
        _roles = new string[topology.Endpoints.Count];
        var isSeeder = new bool[n];
        var isFetcher = new bool[n];
        foreach (var stage in _scenario.Seed)
            foreach (var node in stage.Query.Select(_nodes, random))
                foreach (var o in stage.Objects)
                    foreach (var part in Catalog.PartsOf(o))
                    {
                        stores[node.Index].AddAll(part);
                        if (!holders[part.Index].Contains(node.Index)) holders[part.Index].Add(node.Index);
                        isSeeder[node.Index] = true;
                    }
        var fetchPlan = new List<(long At, int Node, ContentPart Part)>();
        foreach (var stage in _scenario.Fetch)
        {
            var selected = stage.Query.Select(_nodes, random);
            for (var i = 0; i < selected.Count; i++)
            {
                var at = VirtualClock.FromTimeSpan(stage.Start) + i * VirtualClock.FromTimeSpan(stage.Stagger);
                foreach (var o in stage.Objects)
                    foreach (var part in Catalog.PartsOf(o))
                    {
                        fetchPlan.Add((at, selected[i].Index, part));
                        if (!fetchers[part.Index].Contains(selected[i].Index)) fetchers[part.Index].Add(selected[i].Index);
                    }
                isFetcher[selected[i].Index] = true;
            }
        }
        for (var i = 0; i < n; i++) _roles[i] = isSeeder[i] && isFetcher[i] ? "seeder+leecher" : isSeeder[i] ? "seeder" : isFetcher[i] ? "leecher" : "idle";
        if (registryIndex >= 0)
        {
            _roles[registryIndex] = "registry";
            foreach (var part in Catalog.Parts) stores[registryIndex].AddAll(part);
        }

        var churn = _scenario.Churn.Select(c => (Event: c, Nodes: c.Query.Select(_nodes, random))).ToList();
        var neighbours = Neighbours(n, isSeeder, new Random(random.Next()));

        var context = new SimulationContext
        {
            Scenario = _scenario, Nodes = _nodes, Catalog = Catalog, Network = Network,
            InitialHolders = holders, Fetchers = fetchers, RegistryIndex = registryIndex, RandomSeed = _seed, Peer = _peer,
        };
        _strategy.Prepare(context);
        for (var i = 0; i < topology.Endpoints.Count; i++)
        {
            var nb = i < n ? neighbours[i] : (IReadOnlyList<int>)Enumerable.Range(0, n).ToList();
            var host = new SimNodeHost(this, i, topology.Endpoints[i].Name, stores[i], new Random(random.Next()), nb, Catalog.Parts.Count);
            _hosts.Add(host);
            Artifacts.NodeNames.Add(host.Name);
        }
        foreach (var host in _hosts)
            host.Behaviour = host.Index == registryIndex ? _strategy.CreateRegistry(host) : _strategy.CreateNode(host);

        // Nodes that only join later start offline.
        foreach (var (ev, nodes) in churn)
            if (ev.Leave is null && ev.Join is not null)
                foreach (var node in nodes) Network.SetOffline(node.Index, true);
        foreach (var host in _hosts)
            if (!Network.IsOffline(host.Index)) Profile("start", () => host.Behaviour.Start());

        foreach (var (at, node, part) in fetchPlan.OrderBy(f => f.At).ThenBy(f => f.Node).ThenBy(f => f.Part.Index))
        {
            _pendingFetchers.Add(node);
            Events.At(at, () => StartFetch(node, part));
        }
        foreach (var (ev, nodes) in churn)
            foreach (var node in nodes)
            {
                var idx = node.Index;
                if (ev.Leave is { } leave) Events.At(VirtualClock.FromTimeSpan(leave), () => Leave(idx));
                if (ev.Join is { } join) Events.At(VirtualClock.FromTimeSpan(join), () => Join(idx));
                if (ev.Join is null) _goneForGoodAt[idx] = true;
            }

        var timeout = VirtualClock.FromTimeSpan(_scenario.Timeout);
        string? failure = null;
        var lastProgress = 0L;
        while (_pendingFetchers.Count > 0)
        {
            var next = Events.PeekTime();
            if (next is null) { failure = $"stalled: no more events with {_pendingFetchers.Count} fetchers unfinished"; break; }
            if (next > timeout) { failure = $"timed out after {_scenario.Timeout.TotalSeconds:0.#} s of virtual time with {_pendingFetchers.Count} fetchers unfinished"; break; }
            Events.RunNextInstant();
            var t1 = Stopwatch.GetTimestamp();
            Network.Settle();
            _fairShareTicks += Stopwatch.GetTimestamp() - t1;
            if (_progress is not null && Events.Now - lastProgress > VirtualClock.NanosPerSecond / 10)
            {
                lastProgress = Events.Now;
                _progress.Report(VirtualClock.ToSeconds(Events.Now));
            }
        }
        wall.Stop();
        Artifacts.WallSeconds = wall.Elapsed.TotalSeconds;
        FlushProfile();
        Artifacts.Profile["sim;events"] = Math.Max(1, (long)wall.Elapsed.TotalMicroseconds - Artifacts.Profile.Values.Sum());

        var results = new List<NodeResult>();
        var completed = 0;
        var fetcherCount = 0;
        double lastFinish = 0;
        foreach (var host in _hosts)
        {
            if (host.Behaviour is INodeStatsSource stats) stats.FillCounters(host.Counters);
            var c = host.Counters;
            var i = host.Index;
            bool? verified = null;
            if (i < n && isFetcher[i])
            {
                fetcherCount++;
                var wanted = fetchPlan.Where(f => f.Node == i).Select(f => f.Part).Distinct().ToList();
                verified = wanted.All(p => host.Store.HasAll(p));
                if (c.FinishNs >= 0 && verified == true) { completed++; lastFinish = Math.Max(lastFinish, VirtualClock.ToSeconds(c.FinishNs)); }
            }
            results.Add(new NodeResult
            {
                Name = host.Name,
                Group = i < n ? _nodes[i].Group.Name : "registry",
                Region = topology.Endpoints[i].Region,
                Role = _roles[i],
                Start = c.StartNs >= 0 ? VirtualClock.ToSeconds(c.StartNs) : null,
                FirstByte = c.FirstByteNs >= 0 ? VirtualClock.ToSeconds(c.FirstByteNs) : null,
                Finish = c.FinishNs >= 0 ? VirtualClock.ToSeconds(c.FinishNs) : null,
                BytesIn = c.BytesIn, BytesOut = c.BytesOut, DataIn = c.DataIn, DataOut = c.DataOut,
                BlocksReceived = c.BlocksReceived, BlocksSent = c.BlocksSent, DupBlocks = c.DupBlocks, DupBytes = c.DupBytes,
                MessagesIn = c.MessagesIn, MessagesOut = c.MessagesOut, Verified = verified,
            });
        }
        return new TrialResult
        {
            Trial = _peer.Name,
            Strategy = _strategy.Name,
            Repetition = _repetition,
            Seed = _seed,
            Driver = "sim",
            Nodes = results,
            TotalTime = failure is null ? lastFinish : VirtualClock.ToSeconds(Events.Now),
            Fetchers = fetcherCount,
            Completed = completed,
            Failure = failure,
            Throughput = Network.Throughput,
            ThroughputBinSeconds = FluidNetwork.ThroughputBinSeconds,
            Events = Events.EventsRun,
            RateRecomputations = Network.Recomputations,
            PeakConcurrentTransfers = Network.PeakActiveFlows,
        };
    }

    private readonly Dictionary<int, bool> _goneForGoodAt = new();

    /// <summary>Full mesh, or (with peersPerNode) a random graph of at least that degree where everyone also knows the seeders.</summary>
    private List<int>[] Neighbours(int n, bool[] isSeeder, Random random)
    {
        var sets = Enumerable.Range(0, n).Select(_ => new SortedSet<int>()).ToArray();
        var k = _scenario.PeersPerNode;
        if (k <= 0 || k >= n - 1)
        {
            for (var i = 0; i < n; i++)
                for (var j = 0; j < n; j++) if (i != j) sets[i].Add(j);
        }
        else
        {
            for (var i = 0; i < n; i++)
            {
                while (sets[i].Count < k)
                {
                    var j = random.Next(n);
                    if (j == i) continue;
                    sets[i].Add(j);
                    sets[j].Add(i);
                }
            }
            for (var s = 0; s < n; s++)
                if (isSeeder[s])
                    for (var i = 0; i < n; i++) if (i != s) { sets[i].Add(s); sets[s].Add(i); }
        }
        return sets.Select(s => s.ToList()).ToArray();
    }

    private void StartFetch(int node, ContentPart part)
    {
        var host = _hosts[node];
        if (Network.IsOffline(node))
        {
            if (!_deferredFetches.TryGetValue(node, out var list)) _deferredFetches[node] = list = [];
            list.Add(part);
            return;
        }
        host.BeginFetch(part);
        if (host.IsFetching(part)) Profile("fetch", () => host.Behaviour.Fetch(part));
        else if (host.Finished) NodeFinished(host);
    }

    private void Leave(int node)
    {
        if (Network.IsOffline(node)) return;
        var host = _hosts[node];
        Profile("stop", () => host.Behaviour.Stop());
        host.Epoch++;
        Network.SetOffline(node, true);
        foreach (var other in host.Neighbours)
            if (!Network.IsOffline(other)) { var o = _hosts[other]; Profile("peer-left", () => o.Behaviour.PeerLeft(node)); }
        if (_goneForGoodAt.ContainsKey(node)) { _goneForGood.Add(node); _pendingFetchers.Remove(node); }
    }

    private void Join(int node)
    {
        if (!Network.IsOffline(node)) return;
        var host = _hosts[node];
        Network.SetOffline(node, false);
        Profile("start", () => host.Behaviour.Start());
        foreach (var other in host.Neighbours)
            if (!Network.IsOffline(other)) { var o = _hosts[other]; Profile("peer-joined", () => o.Behaviour.PeerJoined(node)); }
        foreach (var part in host.UnfinishedParts().ToList()) Profile("fetch", () => host.Behaviour.Fetch(part));
        if (_deferredFetches.Remove(node, out var deferred))
            foreach (var part in deferred) StartFetch(node, part);
    }

    private void OnDelivered(SimMessage m)
    {
        var to = _hosts[m.To];
        var from = _hosts[m.From];
        from.Counters.MessagesOut++;
        from.Counters.BytesOut += m.WireBytes;
        to.Counters.MessagesIn++;
        to.Counters.BytesIn += m.WireBytes;
        var t0 = Stopwatch.GetTimestamp();
        to.Behaviour.Receive(m.From, m.Payload);
        AddTicks("receive", Stopwatch.GetTimestamp() - t0);
    }

    internal void BlockArrived(SimNodeHost host, int blockId, int from) { }

    internal void PartFinished(SimNodeHost host, ContentPart part) { }

    internal void NodeFinished(SimNodeHost host) => _pendingFetchers.Remove(host.Index);

    internal void Profile(string what, Action action)
    {
        var t0 = Stopwatch.GetTimestamp();
        action();
        AddTicks(what, Stopwatch.GetTimestamp() - t0);
    }

    /// <summary>Time inside a node callback, attributed below it; the callback's own entry keeps only the rest (self time).</summary>
    internal void AddNestedProfile(string stack, long ticks)
    {
        if (!_nested.TryGetValue(stack, out var key)) _nested[stack] = key = "receive;" + stack;
        AddTicks(key, ticks);
        AddTicks("receive", -ticks);
    }

    /// <summary>Stopwatch ticks per stack below "sim;node;STRATEGY" (no string is built per message), converted once at the end.</summary>
    private readonly Dictionary<string, long> _ticks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _nested = new(StringComparer.Ordinal);
    private long _fairShareTicks;

    private void AddTicks(string what, long ticks)
    {
        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_ticks, what, out _);
        slot += ticks;
    }

    private void FlushProfile()
    {
        static long Micros(long ticks) => ticks * 1_000_000 / Stopwatch.Frequency;
        foreach (var (what, ticks) in _ticks) Artifacts.Profile[$"sim;node;{_strategy.Name};{what}"] = Micros(ticks);
        Artifacts.Profile["sim;network;fair-share"] = Micros(_fairShareTicks);
    }
}
