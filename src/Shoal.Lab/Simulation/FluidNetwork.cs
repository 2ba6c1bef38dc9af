namespace Shoal.Lab.Simulation;

/// <summary>
/// The link model: every message crosses the sender's uplink, the path between the two regions (when it has a
/// capacity) and the receiver's downlink; concurrent transmissions share each link max-min fairly (progressive
/// filling, recomputed whenever a transmission starts or ends), then arrive one-way latency later. Messages on
/// one connection go one after another. Small control messages do not queue behind bulk data (they travel in
/// their own stream frames) and take latency plus their serialization time; their bytes still take capacity on
/// every link that runs full (see <see cref="ChargeSmallMessage"/>). Loss is modelled as TCP's
/// throughput limit (Mathis: MSS/RTT·1.22/√p) on each connection. Single-threaded and deterministic.
/// </summary>
public sealed class FluidNetwork
{
    /// <summary>Messages up to this size are control traffic that bypasses bulk queues (a want list or presence batch fits):
    /// they start no transmission of their own, and their bytes are charged to the transmissions of full links.</summary>
    public const int SmallMessageBytes = 4 * 1024;

    /// <summary>TCP maximum segment size used for the loss throughput limit and per-packet overhead.</summary>
    public const int TcpMss = 1448;

    private readonly EventQueue _events;
    private readonly SimTopology _topology;
    private readonly Random _random;
    private readonly SimLink[] _up;
    private readonly SimLink[] _down;
    private readonly Dictionary<(string, string), SimLink> _regionPaths = new();
    private readonly List<SimLink> _links = [];
    private readonly Dictionary<(int From, int To, int Lane), SimConnection> _connections = new();
    private readonly List<SimFlow> _activeFlows = [];
    private readonly List<SimLink> _activeLinks = [];
    private readonly ShareHeap _fill = new();
    private SimLink[] _linkById = new SimLink[16];
    private readonly bool[] _down_;
    private long _lastAdvanceNs;
    private bool _dirty;
    private long _wakeGeneration;

    public FluidNetwork(EventQueue events, SimTopology topology, Random random)
    {
        _events = events;
        _topology = topology;
        _random = random;
        var n = topology.Endpoints.Count;
        _up = new SimLink[n];
        _down = new SimLink[n];
        _down_ = new bool[n];
        foreach (var e in topology.Endpoints)
        {
            _up[e.Index] = NewLink($"{e.Name}.up", e.UplinkBytesPerSecond);
            _down[e.Index] = NewLink($"{e.Name}.down", e.DownlinkBytesPerSecond);
        }
    }

    /// <summary>Called when a message has fully arrived at its receiver.</summary>
    public event Action<SimMessage>? Delivered;

    /// <summary>Called when a bulk transmission finishes leaving the sender (start and end times in ns), for traces.</summary>
    public event Action<SimMessage, long, long>? TransmissionFinished;

    public IReadOnlyList<SimLink> Links => _links;
    public long Recomputations { get; private set; }
    public int PeakActiveFlows { get; private set; }
    public SimLink Uplink(int node) => _up[node];
    public SimLink Downlink(int node) => _down[node];

    /// <summary>One-way latency between two endpoints (half the configured round trip).</summary>
    public long OneWayLatencyNs(int from, int to) => Connection(from, to).LatencyNs;

    /// <summary>Bytes waiting on the connection from one node to another (not counting the one in flight).</summary>
    public long QueuedBytes(int from, int to, int lane = 0)
        => _connections.TryGetValue((from, to, lane), out var c) ? c.QueuedBytes + (long)(c.Active is { } f ? RemainingAt(f, _events.Now) : 0) : 0;

    /// <summary>Queues a message; it is delivered through <see cref="Delivered"/> unless an end goes offline first.</summary>
    public void Send(SimMessage message)
    {
        if (_down_[message.From] || _down_[message.To]) return;
        var c = Connection(message.From, message.To, message.Lane);
        if (message.WireBytes <= SmallMessageBytes)
        {
            var serialization = (long)Math.Ceiling(message.WireBytes / Math.Min(_up[message.From].Capacity, _down[message.To].Capacity) * VirtualClock.NanosPerSecond);
            var at = Math.Max(_events.Now + c.LatencyNs + serialization + Jitter(c), c.LastSmallDeliveryNs);
            c.LastSmallDeliveryNs = at;
            ChargeSmallMessage(c, message.WireBytes);
            _events.At(at, () => Deliver(message));
            if (message.OnTransmitted is { } sent) _events.At(_events.Now + serialization, sent);
            return;
        }
        if (c.Active is null) StartFlow(c, message);
        else { c.Pending.Enqueue(message); c.QueuedBytes += message.WireBytes; }
    }

    /// <summary>Takes a node off the network: its transmissions stop and messages to or from it are dropped.</summary>
    public void SetOffline(int node, bool offline)
    {
        if (_down_[node] == offline) return;
        _down_[node] = offline;
        if (!offline) return;
        foreach (var c in _connections.Values.Where(c => c.From == node || c.To == node).OrderBy(c => c.From).ThenBy(c => c.To).ThenBy(c => c.Lane))
        {
            c.Pending.Clear();
            c.QueuedBytes = 0;
            if (c.Active is { } f) { RemoveFlow(f); c.Active = null; }
        }
        MarkDirty();
    }

    public bool IsOffline(int node) => _down_[node];

    /// <summary>Recomputes fair rates if transmissions changed at this instant. The simulator calls it before time moves on.</summary>
    public void Settle()
    {
        if (!_dirty) return;
        _dirty = false;
        var now = _events.Now;
        if (RateUpdateIntervalNs <= 0 || now - _lastRecomputeNs >= RateUpdateIntervalNs)
        {
            Recompute();
            SetFinishTimes();
            _lastRecomputeNs = now;
        }
        else if (!_recomputePending)
        {
            // Rates last computed less than an interval ago: keep them (new transmissions wait at rate 0, freed capacity
            // idles) and recompute when the interval is up.
            _recomputePending = true;
            _events.At(_lastRecomputeNs + RateUpdateIntervalNs, () => { _recomputePending = false; MarkDirty(); });
        }
        ScheduleWake();
    }

    /// <summary>Recompute fair shares at most once per this many ns (0: at every change, exact max-min at all times).
    /// Large clusters set it (scenario <c>rateUpdateInterval</c>) to bound the number of recomputations.</summary>
    public long RateUpdateIntervalNs { get; init; }

    /// <summary>Fair shares by <see cref="FillLazily"/> (fast, equal up to rounding) instead of <see cref="FillExactly"/>.
    /// The simulator sets it with <see cref="RateUpdateIntervalNs"/>: both trade the last bit of exactness for scale.</summary>
    public bool LazyFairShare { get; init; }

    private long _lastRecomputeNs = long.MinValue / 2;
    private bool _recomputePending;

    /// <summary>Control bytes carried on the links of full transmissions (for the tests and reports).</summary>
    public double ChargedSmallBytes { get; private set; }

    /// <summary>
    /// A small message's bytes cross its connection's links like any others. On a link that runs full, the transmissions
    /// it limits (max-min bottleneck: the link is full and none of its transmissions runs faster) carry them, pro rata to
    /// their rates, so they finish later by the message's time on that link; a link with spare capacity carries them in
    /// that spare (nothing is charged). Rates are left as they are: the next fair-share computation starts from the
    /// bytes left.
    /// </summary>
    private void ChargeSmallMessage(SimConnection c, long bytes)
    {
        var now = _events.Now;
        var charged = false;
        foreach (var link in c.Path)
        {
            var flows = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(link.Flows);
            double total = 0, top = 0;
            foreach (var f in flows)
            {
                total += f.Rate;
                if (f.Rate > top) top = f.Rate;
            }
            if (top <= 0 || total < link.Capacity * (1 - 1e-9)) continue;
            var limited = 0.0;
            foreach (var f in flows) if (f.Rate >= top * (1 - 1e-9)) limited += f.Rate;
            ChargedSmallBytes += bytes;
            foreach (var f in flows)
            {
                if (f.Rate < top * (1 - 1e-9)) continue;
                f.RemainingBytes = RemainingAt(f, now) + bytes * (f.Rate / limited);
                f.UpdatedNs = now;
                f.FinishNs = FinishAt(f, now);
                charged = true;
            }
        }
        // Their queue entries are now early: the wake re-queues a transmission whose finish moved when it reaches it.
        if (charged && !_dirty) ScheduleWake();
    }

    private SimLink NewLink(string name, double capacity)
    {
        var l = new SimLink(_links.Count, name, capacity);
        _links.Add(l);
        if (l.Id == _linkById.Length) Array.Resize(ref _linkById, _linkById.Length * 2);
        _linkById[l.Id] = l;
        return l;
    }

    private SimConnection Connection(int from, int to, int lane = 0)
    {
        if (_connections.TryGetValue((from, to, lane), out var c)) return c;
        var a = _topology.Endpoints[from];
        var b = _topology.Endpoints[to];
        var link = _topology.LinkBetween(a.Region, b.Region);
        var path = new List<SimLink> { _up[from] };
        if (link.CapacityBytesPerSecond is { } cap)
        {
            if (!_regionPaths.TryGetValue((a.Region, b.Region), out var rp))
                _regionPaths[(a.Region, b.Region)] = rp = NewLink($"{a.Region}->{b.Region}", cap);
            path.Add(rp);
        }
        var loss = 1 - (1 - a.Loss) * (1 - b.Loss) * (1 - link.Loss);
        var rtt = link.RoundTrip.TotalSeconds;
        var lossCap = double.PositiveInfinity;
        if (loss > 0)
        {
            // Mathis et al.: steady-state TCP throughput under random loss; RTT floored at 100 µs for same-host links.
            lossCap = TcpMss / Math.Max(rtt, 1e-4) * 1.22 / Math.Sqrt(loss);
            path.Add(NewLink($"{a.Name}->{b.Name}.loss", lossCap));
        }
        path.Add(_down[to]);
        var jitter = Math.Max(VirtualClock.FromTimeSpan(link.Jitter), Math.Max(VirtualClock.FromTimeSpan(a.Jitter), VirtualClock.FromTimeSpan(b.Jitter)));
        c = new SimConnection(from, to, lane, path.ToArray(), VirtualClock.FromTimeSpan(link.RoundTrip) / 2, jitter, lossCap);
        _connections[(from, to, lane)] = c;
        return c;
    }

    private long Jitter(SimConnection c) => c.JitterNs == 0 ? 0 : (long)(_random.NextDouble() * c.JitterNs);

    private void StartFlow(SimConnection c, SimMessage m)
    {
        // At rate 0 until the next recomputation.
        var f = new SimFlow(c, m, _events.Now);
        c.Active = f;
        f.ActiveIndex = _activeFlows.Count;
        _activeFlows.Add(f);
        if (_activeFlows.Count > PeakActiveFlows) PeakActiveFlows = _activeFlows.Count;
        for (var i = 0; i < c.Path.Length; i++)
        {
            var l = c.Path[i];
            f.Slots[i] = l.Flows.Count;
            l.Flows.Add(f);
            if (l.Flows.Count == 1) { l.ActiveSlot = _activeLinks.Count; _activeLinks.Add(l); }
        }
        MarkDirty();
    }

    private void RemoveFlow(SimFlow f)
    {
        AdvanceThroughput();
        _totalRate -= f.Rate;
        f.Rate = 0;
        f.FinishNs = long.MaxValue;
        var path = f.Connection.Path;
        for (var i = 0; i < path.Length; i++)
        {
            var l = path[i];
            var slot = f.Slots[i];
            var last = l.Flows[^1];
            l.Flows[slot] = last;
            for (var j = 0; j < last.Connection.Path.Length; j++)
                if (ReferenceEquals(last.Connection.Path[j], l)) { last.Slots[j] = slot; break; }
            l.Flows.RemoveAt(l.Flows.Count - 1);
            if (l.Flows.Count == 0)
            {
                var lastLink = _activeLinks[^1];
                _activeLinks[l.ActiveSlot] = lastLink;
                lastLink.ActiveSlot = l.ActiveSlot;
                _activeLinks.RemoveAt(_activeLinks.Count - 1);
                l.ActiveSlot = -1;
            }
        }
        var lastFlow = _activeFlows[^1];
        _activeFlows[f.ActiveIndex] = lastFlow;
        lastFlow.ActiveIndex = f.ActiveIndex;
        _activeFlows.RemoveAt(_activeFlows.Count - 1);
        f.ActiveIndex = -1;
    }

    private void MarkDirty() => _dirty = true;

    /// <summary>Bytes a transmission still has to send at <paramref name="now"/> (its rate is constant since it was last synced).</summary>
    private static double RemainingAt(SimFlow f, long now)
    {
        var dt = (now - f.UpdatedNs) / (double)VirtualClock.NanosPerSecond;
        return dt <= 0 ? f.RemainingBytes : f.RemainingBytes - Math.Min(f.RemainingBytes, f.Rate * dt);
    }

    /// <summary>Bins the bytes moved since the last call at the current total rate (constant in between).</summary>
    private void AdvanceThroughput()
    {
        var now = _events.Now;
        if (now > _lastAdvanceNs && _totalRate > 0) AddThroughput(_lastAdvanceNs, now, _totalRate);
        _lastAdvanceNs = now;
    }

    /// <summary>Sum of the current rates (what <see cref="AdvanceThroughput"/> bins).</summary>
    private double _totalRate;

    /// <summary>Transmissions by the time their last byte leaves at their current rate (entries of an older rate are skipped).</summary>
    private readonly FinishQueue _finishes = new();

    /// <summary>Width of the throughput bins.</summary>
    public const double ThroughputBinSeconds = 0.05;

    /// <summary>Bytes carried by bulk transmissions (all links' receivers) per <see cref="ThroughputBinSeconds"/> bin.</summary>
    public List<double> Throughput { get; } = [];

    private void AddThroughput(long fromNs, long toNs, double bytesPerSecond)
    {
        var bin = (long)(ThroughputBinSeconds * VirtualClock.NanosPerSecond);
        var t = fromNs;
        while (t < toNs)
        {
            var index = (int)(t / bin);
            var end = Math.Min(toNs, (index + 1) * bin);
            while (Throughput.Count <= index) Throughput.Add(0);
            Throughput[index] += bytesPerSecond * (end - t) / VirtualClock.NanosPerSecond;
            t = end;
        }
    }

    /// <summary>Max-min fair rates by progressive filling: repeatedly saturate the link with the smallest fair share.</summary>
    private void Recompute()
    {
        Recomputations++;
        var now = _events.Now;
        AdvanceThroughput();
        foreach (var f in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_activeFlows))
        {
            f.RemainingBytes = RemainingAt(f, now);
            f.UpdatedNs = now;
            f.Frozen = false;
        }
        if (LazyFairShare) FillLazily();
        else FillExactly();
    }

    /// <summary>Progressive filling with one heap entry per change of a link's share: the reference, whose ties (and so
    /// last bits) every scenario's report depends on.</summary>
    private void FillExactly()
    {
        var fill = _fill;
        var links = _linkById;
        fill.Clear();
        foreach (var l in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_activeLinks))
        {
            l.Remaining = l.Capacity;
            l.Unfrozen = l.Flows.Count;
            l.Version++;
            fill.Enqueue(l.Remaining / l.Unfrozen, l.Id, l.Version);
        }
        // Equal shares come out in the runtime PriorityQueue's order (see ShareHeap): the rates depend on it at the last bit.
        while (fill.TryDequeue(out var id, out var version, out _))
        {
            var link = links[id];
            if (version != link.Version || link.Unfrozen == 0) continue;
            var share = Math.Max(0, link.Remaining) / link.Unfrozen;
            foreach (var f in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(link.Flows))
            {
                if (f.Frozen) continue;
                f.Frozen = true;
                f.Rate = share;
                foreach (var other in f.Path)
                {
                    if (ReferenceEquals(other, link)) continue;
                    other.Remaining -= share;
                    other.Unfrozen--;
                    other.Version++;
                    if (other.Unfrozen > 0) fill.Enqueue(Math.Max(0, other.Remaining) / other.Unfrozen, other.Id, other.Version);
                }
            }
            link.Unfrozen = 0;
        }
    }

    /// <summary>Progressive filling with lazy heap keys: a link's fair share only grows while others saturate (the flows
    /// they freeze got less than its share), so its key stays a lower bound and is refreshed only when it reaches the
    /// top. One heap entry per link instead of one per frozen flow and link: several times faster with thousands of
    /// transmissions. Same max-min rates up to rounding; equal shares may be taken in another order, so the last bits
    /// (and a nanosecond here and there) can differ from <see cref="FillExactly"/>.</summary>
    private void FillLazily()
    {
        var fill = _fill;
        var links = _linkById;
        fill.Clear();
        foreach (var l in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_activeLinks))
        {
            l.Remaining = l.Capacity;
            l.Unfrozen = l.Flows.Count;
            fill.Enqueue(l.Remaining / l.Unfrozen, l.Id, 0);
        }
        while (fill.TryDequeue(out var id, out _, out var key))
        {
            var link = links[id];
            if (link.Unfrozen == 0) continue;
            var share = Math.Max(0, link.Remaining) / link.Unfrozen;
            if (share > key)
            {
                fill.Enqueue(share, id, 0); // grew since queued: back in at its current share
                continue;
            }
            foreach (var f in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(link.Flows))
            {
                if (f.Frozen) continue;
                f.Frozen = true;
                f.Rate = share;
                foreach (var other in f.Path)
                {
                    if (ReferenceEquals(other, link)) continue;
                    other.Remaining -= share;
                    other.Unfrozen--;
                }
            }
            link.Unfrozen = 0;
        }
    }

    /// <summary>After new rates: each transmission's finish time, the total rate, and the queue of finishes rebuilt.</summary>
    private void SetFinishTimes()
    {
        var now = _events.Now;
        var total = 0.0;
        _finishes.Clear();
        foreach (var f in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_activeFlows))
        {
            total += f.Rate;
            if (f.Rate <= 0) { f.FinishNs = long.MaxValue; continue; }
            f.FinishNs = FinishAt(f, now);
            _finishes.AddUnordered(f, f.FinishNs);
        }
        _finishes.Heapify();
        _totalRate = total;
    }

    /// <summary>When a transmission's last byte leaves at its current rate, its bytes left counted from <paramref name="now"/>
    /// (at least 1 ns later).</summary>
    private static long FinishAt(SimFlow f, long now)
        => now + Math.Max(1, (long)Math.Ceiling(f.RemainingBytes / f.Rate * VirtualClock.NanosPerSecond));

    private long _scheduledWakeNs = long.MaxValue;

    /// <summary>Arms one event at the earliest finish (unless one is already armed for that instant).</summary>
    private void ScheduleWake()
    {
        while (_finishes.TryPeek(out var f, out var finish) && (f.FinishNs != finish || f.ActiveIndex < 0)) RequeueOrDrop(f, finish);
        if (!_finishes.TryPeek(out _, out var nextFinish)) { _scheduledWakeNs = long.MaxValue; _wakeGeneration++; return; }
        if (nextFinish == _scheduledWakeNs) return;
        _scheduledWakeNs = nextFinish;
        var generation = ++_wakeGeneration;
        _events.At(nextFinish, () => { if (generation == _wakeGeneration) { _scheduledWakeNs = long.MaxValue; Wake(); } });
    }

    /// <summary>Takes the queue's first entry off; a transmission still running whose finish a small message moved later
    /// goes back in at its new finish (entries of an older rate or of a finished transmission are dropped).</summary>
    private void RequeueOrDrop(SimFlow f, long finish)
    {
        if (f.ActiveIndex >= 0 && f.FinishNs > finish && f.FinishNs != long.MaxValue) _finishes.ReplaceFirst(f, f.FinishNs);
        else _finishes.Dequeue();
    }

    private readonly List<SimFlow> _done = [];

    private void Wake()
    {
        var now = _events.Now;
        _done.Clear();
        // Finishes come out ordered by (time, from, to, lane): equal-time completions run in a stable order.
        while (_finishes.TryPeek(out var f, out var finish) && finish <= now)
        {
            if (f.FinishNs == finish && f.ActiveIndex >= 0) { _finishes.Dequeue(); _done.Add(f); }
            else RequeueOrDrop(f, finish);
        }
        if (_done.Count == 0) { MarkDirty(); return; }
        var done = _done.ToArray();
        // Complete in a stable order so equal-time completions are deterministic.
        Array.Sort(done, static (x, y) =>
        {
            var c = x.Connection.From.CompareTo(y.Connection.From);
            if (c == 0) c = x.Connection.To.CompareTo(y.Connection.To);
            return c != 0 ? c : x.Connection.Lane.CompareTo(y.Connection.Lane);
        });
        foreach (var f in done)
        {
            var c = f.Connection;
            RemoveFlow(f);
            c.Active = null;
            TransmissionFinished?.Invoke(f.Message, f.StartNs, _events.Now);
            var at = Math.Max(_events.Now + c.LatencyNs + Jitter(c), c.LastDeliveryNs);
            c.LastDeliveryNs = at;
            var m = f.Message;
            _events.At(at, () => Deliver(m));
            if (m.OnTransmitted is { } sent) _events.At(_events.Now, sent);
            if (c.Pending.Count > 0)
            {
                var next = c.Pending.Dequeue();
                c.QueuedBytes -= next.WireBytes;
                StartFlow(c, next);
            }
        }
        MarkDirty();
    }

    private void Deliver(SimMessage m)
    {
        if (_down_[m.From] && _down_[m.To]) return;
        if (_down_[m.To]) return;
        Delivered?.Invoke(m);
    }
}
