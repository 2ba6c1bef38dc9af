using System.Buffers;
using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

/// <summary>A deterministic network of Bitswap cores on virtual time: messages go through the real codec,
/// take a one-way latency plus the sender's upload time, and timers fire when the core asks.</summary>
internal sealed class SimNet
{
    private readonly PriorityQueue<Action, (TimeSpan, long)> _events = new();
    private readonly List<BitswapAction> _actions = [];
    private readonly Dictionary<PeerId, SimNode> _byId = [];
    private readonly HashSet<(PeerId, PeerId)> _links = [];
    private long _seq;

    public TimeSpan Now { get; private set; }
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(5);
    public TimeSpan RoutingDelay { get; set; } = TimeSpan.FromMilliseconds(50);
    public List<SimNode> Nodes { get; } = [];

    /// <summary>The content routing table: who provides what.</summary>
    public Dictionary<Cid, List<PeerId>> Providers { get; } = [];

    public static PeerId MakePeerId(string name)
        => PeerId.FromBytes(Multihash.Sum(MulticodecCode.Identity, System.Text.Encoding.UTF8.GetBytes(name)).Bytes.Span);

    public SimNode AddNode(string name, BitswapOptions? options = null, BitswapProtocolVersion version = BitswapProtocolVersion.V120)
    {
        var id = MakePeerId(name);
        var store = new MemoryBlockLookup();
        var node = new SimNode(name, id, new BitswapEngine(id, store, options ?? new BitswapOptions { RandomSeed = Nodes.Count + 1 }), store, version);
        Nodes.Add(node);
        _byId[id] = node;
        return node;
    }

    public void Connect(SimNode a, SimNode b)
    {
        if (!_links.Add((a.Id, b.Id))) return;
        _links.Add((b.Id, a.Id));
        var v = (BitswapProtocolVersion)Math.Min((int)a.Version, (int)b.Version);
        a.Engine.PeerConnected(b.Id, v, Now);
        Apply(a);
        b.Engine.PeerConnected(a.Id, v, Now);
        Apply(b);
    }

    public void ConnectAll()
    {
        for (int i = 0; i < Nodes.Count; i++)
            for (int j = i + 1; j < Nodes.Count; j++)
                Connect(Nodes[i], Nodes[j]);
    }

    public void Disconnect(SimNode a, SimNode b)
    {
        if (!_links.Remove((a.Id, b.Id))) return;
        _links.Remove((b.Id, a.Id));
        a.Engine.PeerDisconnected(b.Id, Now);
        Apply(a);
        b.Engine.PeerDisconnected(a.Id, Now);
        Apply(b);
    }

    /// <summary>Adds a block to a node's store the way a local `add` does.</summary>
    public void AddBlock(SimNode node, Block block)
    {
        node.Store.Put(block);
        node.Engine.BlockStored(block, Now);
        Apply(node);
    }

    public void Provide(SimNode node, Cid cid)
    {
        if (!Providers.TryGetValue(cid, out var list)) Providers[cid] = list = [];
        list.Add(node.Id);
    }

    public long FetchDag(SimNode node, Cid root)
    {
        long s = node.Engine.FetchDag(root, DagPbLinkExtractor.Instance, Now);
        Apply(node);
        return s;
    }

    public long GetBlocks(SimNode node, params Cid[] cids)
    {
        long s = node.Engine.StartSession(Now);
        node.Engine.WantBlocks(s, cids, Now);
        Apply(node);
        return s;
    }

    /// <summary>Runs events until <paramref name="done"/> holds; fails the test when virtual time passes <paramref name="limit"/>.</summary>
    public void RunUntil(Func<bool> done, TimeSpan limit)
    {
        var end = Now + limit;
        while (!done())
        {
            if (!_events.TryDequeue(out var action, out var key))
                throw new TimeoutException($"simulation idle at {Now} before the condition held");
            if (key.Item1 > end)
                throw new TimeoutException($"condition not met within {limit} of virtual time (now {Now})");
            Now = key.Item1;
            action();
        }
    }

    /// <summary>Runs every event up to <paramref name="duration"/> from now.</summary>
    public void RunFor(TimeSpan duration)
    {
        var end = Now + duration;
        while (_events.TryPeek(out _, out var key) && key.Item1 <= end)
        {
            _events.Dequeue().Invoke();
        }
        Now = end;
    }

    private void At(TimeSpan when, Action action) => _events.Enqueue(() => { Now = when; action(); }, (when, _seq++));

    /// <summary>Carries out the actions a node's core produced and schedules its next timer.</summary>
    public void Apply(SimNode node)
    {
        node.Engine.DrainActions(_actions);
        var actions = _actions.ToArray();
        _actions.Clear();
        foreach (var a in actions)
        {
            switch (a)
            {
                case SendMessage send:
                    Deliver(node, send);
                    break;
                case StoreBlock store:
                    node.Store.Put(store.Block);
                    node.Engine.BlockStored(store.Block, Now);
                    Apply(node);
                    break;
                case BlockDelivered d:
                    if (!node.Delivered.TryGetValue(d.Session, out var list)) node.Delivered[d.Session] = list = [];
                    list.Add(d.Block);
                    break;
                case SessionCompleted c:
                    node.Completed[c.Session] = Now;
                    break;
                case FindProviders f:
                    node.ProviderQueries.Add(f.Cid);
                    var found = Providers.TryGetValue(f.Cid, out var provs) ? provs.ToArray() : [];
                    At(Now + RoutingDelay, () => { node.Engine.ProvidersFound(f.Cid, found, Now); Apply(node); });
                    break;
                case ConnectTo c:
                    var other = _byId[c.Peer];
                    At(Now + 2 * Latency, () => Connect(node, other));
                    break;
                case DisconnectPeer dp:
                    node.Disconnects.Add(dp.Reason);
                    Disconnect(node, _byId[dp.Peer]);
                    break;
            }
        }
        if (node.Engine.NextWakeUp is { } due && (node.ScheduledWake is not { } w || due < w || w < Now))
        {
            node.ScheduledWake = due;
            At(due, () =>
            {
                if (node.ScheduledWake == due) node.ScheduledWake = null;
                node.Engine.Tick(Now);
                Apply(node);
            });
        }
    }

    private void Deliver(SimNode from, SendMessage send)
    {
        var to = _byId[send.Peer];
        var version = (BitswapProtocolVersion)Math.Min((int)from.Version, (int)to.Version);
        var frame = BitswapMessageCodec.EncodeFramed(send.Message, version);
        from.Sent.Add((send.Peer, send.Message));
        from.BytesUploaded += frame.Length;
        var start = from.UplinkFreeAt > Now ? from.UplinkFreeAt : Now;
        var transmit = from.UploadBytesPerSecond > 0 ? TimeSpan.FromSeconds(frame.Length / from.UploadBytesPerSecond) : TimeSpan.Zero;
        var done = start + transmit;
        from.UplinkFreeAt = done;
        if (send.ServerWork > 0)
        {
            At(done, () => { from.Engine.MessageSent(send.Peer, send.ServerWork, Now); Apply(from); });
        }
        At(done + Latency, () =>
        {
            if (!_links.Contains((from.Id, to.Id))) return;
            var seq = new ReadOnlySequence<byte>(frame);
            if (!BitswapMessageCodec.TryReadFrame(ref seq, out var body)) throw new InvalidOperationException("frame did not decode");
            var msg = BitswapMessageCodec.Decode(body);
            to.Received.Add(msg);
            if (to.Silent) return;
            to.Engine.MessageReceived(from.Id, msg, Now);
            Apply(to);
        });
    }
}
