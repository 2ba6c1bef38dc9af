using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Lab.Content;
using Shoal.Lab.Definitions;
using Shoal.Lab.Simulation;
using Shoal.Net;
using CoreStrategy = Shoal.Bitswap.BitswapStrategy;

namespace Shoal.Lab.Strategies;

/// <summary>
/// Runs the real <see cref="BitswapEngine"/> (Shoal.Bitswap's sans-I/O node core) on every simulated node:
/// <c>bitswap-1.1</c> (spoken over /ipfs/bitswap/1.1.0), <c>bitswap-1.2</c> and <c>shoal</c>. Messages are handed
/// over as objects (immutable once emitted) and charged their exact encoded size plus libp2p framing; the
/// server is paced by reporting each message's transmission end; content routing is a static table of the
/// nodes that hold a block, answered after one round trip.
/// </summary>
public sealed class BitswapSimStrategy : SimStrategy
{
    private readonly PeerDefinition _peer;
    private readonly CoreStrategy _core;
    private readonly BitswapProtocolVersion _version;
    private Dictionary<Cid, int> _blockIds = new();
    private readonly Dictionary<PeerId, int> _indexOf = new();
    private PeerId[] _peerIds = [];
    private int _seed;
    private CatalogLinkExtractor? _links;

    public BitswapSimStrategy(PeerDefinition peer)
    {
        _peer = peer;
        _core = BitswapStrategyNames.Parse(peer.Strategy);
        _version = _core == CoreStrategy.Bitswap11 ? BitswapProtocolVersion.V110 : BitswapProtocolVersion.V120;
    }

    public static bool Supports(string strategy) => strategy is BitswapStrategyNames.Bitswap11 or BitswapStrategyNames.Bitswap12 or BitswapStrategyNames.Shoal;

    public override string Name => _peer.Strategy;

    public override string Describe() => $"Shoal.Bitswap engine, strategy {BitswapStrategyNames.NameOf(_core)}, protocol {BitswapProtocolIds.IdOf(_version)}, static routing";

    public override void Prepare(SimulationContext context)
    {
        _seed = context.RandomSeed;
        _blockIds = new Dictionary<Cid, int>(context.Catalog.Blocks.Count);
        foreach (var b in context.Catalog.Blocks)
            _blockIds[(b.Block ?? throw new InvalidOperationException("the Bitswap strategies need a catalog of real blocks")).Cid] = b.Id;
        _links = new CatalogLinkExtractor(context.Catalog, _blockIds);
        _peerIds = context.Nodes.Select(n => PeerIdOf(n.Name)).ToArray();
        _indexOf.Clear();
        for (var i = 0; i < _peerIds.Length; i++) _indexOf[_peerIds[i]] = i;
    }

    /// <summary>A stable peer id per node name (an identity multihash: no key generation for 1,000 nodes).</summary>
    public static PeerId PeerIdOf(string nodeName)
        => PeerId.FromBytes(Multihash.Sum(MulticodecCode.Identity, System.Text.Encoding.UTF8.GetBytes("shoal-lab/" + nodeName)).Bytes.Span);

    public override INodeBehaviour CreateNode(SimNodeHost host) => new Node(this, host);

    /// <summary>Bitswap's view of one simulated node's store: the catalog's shared blocks that node holds.</summary>
    private sealed class StoreView(BitswapSimStrategy s, SimNodeHost host) : IBlockLookup
    {
        public int GetSize(Cid cid) => s._blockIds.TryGetValue(cid, out var id) && host.Store.Has(id) ? host.Catalog[id].Size : -1;
        public Block? Get(Cid cid) => s._blockIds.TryGetValue(cid, out var id) && host.Store.Has(id) ? host.Catalog[id].Block : null;
    }

    private sealed class Node : INodeBehaviour, INodeStatsSource
    {
        private readonly BitswapSimStrategy _s;
        private readonly SimNodeHost _host;
        private readonly List<BitswapAction> _actions = [];
        private readonly HashSet<int> _connected = [];
        private readonly BitswapStats _carried = new();
        private BitswapEngine _engine;
        private int _restarts;
        private long _scheduledWake = -1;
        private int _currentFrom = -1;

        public Node(BitswapSimStrategy s, SimNodeHost host)
        {
            _s = s;
            _host = host;
            _engine = NewEngine();
        }

        public BitswapEngine Engine => _engine;

        private BitswapEngine NewEngine()
            => new(_s._peerIds[_host.Index], new StoreView(_s, _host), BitswapOptions.For(_s._core, Shoal.Core.StableHash.Combine(_s._seed, _host.Index, _restarts) & int.MaxValue));

        private TimeSpan Now => VirtualClock.ToTimeSpan(_host.Now);

        public void Start()
        {
            foreach (var peer in _host.Neighbours)
                if (_host.IsOnline(peer)) Connect(peer);
            Apply();
        }

        public void Stop()
        {
            Accumulate(_engine.Stats);
            _restarts++;
            _engine = NewEngine();
            _connected.Clear();
            _scheduledWake = -1;
        }

        public void PeerJoined(int peer)
        {
            Connect(peer);
            Apply();
        }

        public void PeerLeft(int peer)
        {
            if (!_connected.Remove(peer)) return;
            _engine.PeerDisconnected(_s._peerIds[peer], Now);
            Apply();
        }

        private void Connect(int peer)
        {
            if (!_connected.Add(peer)) return;
            _engine.PeerConnected(_s._peerIds[peer], _s._version, Now);
            // What a daemon's libp2p ping would measure: the path's round trip, without any queue.
            _engine.PeerPathMeasured(_s._peerIds[peer], TimeSpan.FromTicks(2 * _host.LatencyTo(peer) / 100), Now);
        }

        public void Receive(int from, object payload)
        {
            if (payload is not BitswapMessage message) return;
            if (!_connected.Contains(from)) return; // the link went down while it was in flight
            _currentFrom = from;
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            _engine.MessageReceived(_s._peerIds[from], message, Now);
            var t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            Apply();
            _host.AddProfile("engine;MessageReceived", t1 - t0);
            _host.AddProfile("adapter;actions", System.Diagnostics.Stopwatch.GetTimestamp() - t1);
            _currentFrom = -1;
        }

        private void Wake(long token)
        {
            if (token != _scheduledWake) return;
            _scheduledWake = -1;
            _engine.Tick(Now);
            Apply();
        }

        public void Fetch(ContentPart part)
        {
            var root = _host.Catalog[part.RootId].Block!.Cid;
            _engine.FetchDag(root, _s._links!, Now);
            Apply();
        }

        /// <summary>Carries out the engine's actions, then arms one timer at its next wake-up.</summary>
        private void Apply()
        {
            while (true)
            {
                _engine.DrainActions(_actions);
                if (_actions.Count == 0) break;
                var batch = _actions.ToArray();
                _actions.Clear();
                foreach (var action in batch) Do(action);
            }
            if (_engine.NextWakeUp is { } due)
            {
                var at = Math.Max(_host.Now, due.Ticks * 100);
                if (_scheduledWake < 0 || at < _scheduledWake)
                {
                    _scheduledWake = at;
                    _host.SetTimer(at, at);
                }
            }
        }

        private void Do(BitswapAction action)
        {
            switch (action)
            {
                case SendMessage send:
                {
                    if (!_s._indexOf.TryGetValue(send.Peer, out var to) || !_connected.Contains(to)) break;
                    var wire = Simulation.WireFraming.Libp2pFramed(send.Message.WireSize(_s._version));
                    Action? sent = null;
                    if (send.ServerWork > 0)
                    {
                        var peer = send.Peer;
                        var work = send.ServerWork;
                        var engine = _engine;
                        sent = () => { if (engine == _engine) { _engine.MessageSent(peer, work, Now); Apply(); } };
                    }
                    _host.Send(to, send.Message, wire, send.Message.Blocks.Count > 0 ? "blocks" : "wants", onTransmitted: sent);
                    break;
                }
                case StoreBlock store:
                {
                    if (_s._blockIds.TryGetValue(store.Block.Cid, out var id)) _host.ReceiveBlock(id, _currentFrom);
                    _engine.BlockStored(store.Block, Now);
                    break;
                }
                case FindProviders find:
                {
                    var providers = new List<PeerId>();
                    if (_s._blockIds.TryGetValue(find.Cid, out var id))
                    {
                        var candidates = _host.Neighbours.Where(n => _host.IsOnline(n) && HostStoreOf(n).Has(id)).ToList();
                        _host.Random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(candidates));
                        providers.AddRange(candidates.Take(find.MaxProviders).Select(n => _s._peerIds[n]));
                    }
                    var cid = find.Cid;
                    var engine = _engine;
                    var delay = 2 * (_host.Neighbours.Count > 0 ? _host.LatencyTo(_host.Neighbours[0]) : 0);
                    _host.SetTimer(_host.Now + delay, RoutingToken(providers, cid, engine));
                    break;
                }
                case ConnectTo connect:
                {
                    if (_s._indexOf.TryGetValue(connect.Peer, out var peer) && peer != _host.Index && _host.IsOnline(peer))
                    {
                        Connect(peer);
                        if (_host.BehaviourOf(peer) is Node other) { other.Connect(_host.Index); other.Apply(); }
                    }
                    break;
                }
                case DisconnectPeer disconnect:
                {
                    if (_s._indexOf.TryGetValue(disconnect.Peer, out var peer) && _connected.Remove(peer))
                    {
                        _engine.PeerDisconnected(disconnect.Peer, Now);
                        if (_host.BehaviourOf(peer) is Node other) other.PeerLeft(_host.Index);
                    }
                    break;
                }
            }
        }

        private NodeStore HostStoreOf(int node) => ((Node)_host.BehaviourOf(node))._host.Store;

        // Routing answers ride on timers with negative tokens (wake-ups use the virtual time, always ≥ 0).
        private readonly Dictionary<long, (List<PeerId> Providers, Cid Cid, BitswapEngine Engine)> _routing = new();
        private long _nextRouting = -1;

        private long RoutingToken(List<PeerId> providers, Cid cid, BitswapEngine engine)
        {
            var token = _nextRouting--;
            _routing[token] = (providers, cid, engine);
            return token;
        }

        void INodeBehaviour.Timer(long token) => TimerOrRouting(token);

        private void TimerOrRouting(long token)
        {
            if (token >= 0) { Wake(token); return; }
            if (!_routing.Remove(token, out var r) || r.Engine != _engine) return;
            foreach (var p in r.Providers)
                if (_s._indexOf.TryGetValue(p, out var idx) && _host.IsOnline(idx) && !_connected.Contains(idx))
                {
                    Connect(idx);
                    if (_host.BehaviourOf(idx) is Node other) { other.Connect(_host.Index); other.Apply(); }
                }
            _engine.ProvidersFound(r.Cid, r.Providers, Now);
            Apply();
        }

        private void Accumulate(BitswapStats s)
        {
            _carried.BlocksReceived += s.BlocksReceived;
            _carried.DataReceived += s.DataReceived;
            _carried.DupBlksReceived += s.DupBlksReceived;
            _carried.DupDataReceived += s.DupDataReceived;
            _carried.BlocksSent += s.BlocksSent;
            _carried.DataSent += s.DataSent;
        }

        public void FillCounters(NodeCounters c)
        {
            Accumulate(_engine.Stats);
            c.BlocksReceived = (int)_carried.BlocksReceived;
            c.DataIn = _carried.DataReceived;
            c.DupBlocks = (int)_carried.DupBlksReceived;
            c.DupBytes = _carried.DupDataReceived;
            c.BlocksSent = (int)_carried.BlocksSent;
            c.DataOut = _carried.DataSent;
        }
    }
}
