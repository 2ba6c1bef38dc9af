using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

// The client half: sessions, want routing per peer, DONT_HAVE timeouts, rebroadcast, provider search.
public sealed partial class BitswapEngine
{
    private readonly Dictionary<long, ClientSession> _sessions = [];
    private readonly Dictionary<Cid, List<ClientSession>> _interest = [];
    private readonly Dictionary<Cid, int> _broadcast = [];
    private readonly Dictionary<Cid, Block> _unstored = [];
    private readonly Dictionary<PeerId, List<Cid>> _pendingProviders = [];
    private readonly List<ClientSession> _sessionsToSend = [];
    private readonly List<PeerState> _dirtyOutboxes = [];
    private readonly CoreTimer _rebroadcastTimer;
    private readonly List<Cid> _linkBuffer = [];
    private long _nextSessionId = 1;

    /// <summary>Moving average of received block sizes: the expected size of a block not yet seen.</summary>
    private double _averageBlockSize = 256 * 1024;

    private const double BlockSizeAlpha = 0.1; // slow: one odd block should not swing the estimate

    // ------------------------------------------------------------------ session inputs

    /// <summary>Opens a session. With <paramref name="links"/>, every block it receives has its links wanted
    /// too (a DAG walk); without, it fetches only what <see cref="WantBlocks"/> asks.</summary>
    public long StartSession(TimeSpan now, ILinkExtractor? links = null)
    {
        Begin(now);
        long id = _nextSessionId++;
        var s = new ClientSession(id, links, _now) { WalkLimit = links is null ? 0 : Options.DagWalkConcurrency };
        s.IdleTimer = new CoreTimer(t => OnIdleTick(s));
        s.PeriodicTimer = new CoreTimer(t => OnPeriodicSearch(s));
        _sessions.Add(id, s);
        End();
        return id;
    }

    /// <summary>Starts a session that fetches the DAG under <paramref name="root"/>; emits a
    /// <see cref="BlockDelivered"/> per block and <see cref="SessionCompleted"/> when all are local.</summary>
    public long FetchDag(Cid root, ILinkExtractor links, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(links);
        long id = StartSession(now, links);
        WantBlocks(id, [root], now);
        return id;
    }

    /// <summary>Adds wants to a session. Blocks already local are delivered at once.</summary>
    public void WantBlocks(long session, IReadOnlyList<Cid> cids, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(cids);
        Begin(now);
        if (_sessions.TryGetValue(session, out var s) && !s.Closed)
        {
            foreach (var c in cids) AddWant(s, c, 0);
            CheckCompleted(s);
        }
        End();
    }

    /// <summary>The session no longer wants these CIDs; peers are told when no other session wants them.</summary>
    public void CancelWants(long session, IReadOnlyList<Cid> cids, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(cids);
        Begin(now);
        if (_sessions.TryGetValue(session, out var s))
        {
            foreach (var c in cids)
            {
                if (s.Wants.Remove(c, out var w))
                {
                    OnWantGone(s, w);
                    ForgetHaves(s, w);
                    RemoveInterest(s, w.Cid);
                }
            }
        }
        End();
    }

    /// <summary>Ends a session and cancels whatever it still wanted.</summary>
    public void CloseSession(long session, TimeSpan now)
    {
        Begin(now);
        if (_sessions.Remove(session, out var s)) CloseSessionCore(s);
        End();
    }

    public SessionStats? GetSessionStats(long session)
    {
        if (!_sessions.TryGetValue(session, out var s)) return null;
        var snap = s.Stats.Snapshot();
        snap.PeersInSession = s.Peers.Count;
        return snap;
    }

    /// <summary>Number of CIDs the session still waits for.</summary>
    public int SessionWantCount(long session) => _sessions.TryGetValue(session, out var s) ? s.Wants.Count : 0;

    /// <summary>True while some session wants <paramref name="cid"/>.</summary>
    public bool IsWanted(Cid cid) => _interest.ContainsKey(cid);

    /// <summary>Our wantlist as one peer sees it (CID and want type), for <c>bitswap wantlist</c>-style output.</summary>
    public IReadOnlyList<(Cid Cid, WantType Type)> WantsSentTo(PeerId peer)
    {
        var list = new List<(Cid, WantType)>();
        if (_peers.TryGetValue(peer, out var p))
        {
            foreach (var kv in p.SentWants) list.Add((kv.Key, kv.Value.Type));
        }
        return list;
    }

    private void CloseSessionCore(ClientSession s)
    {
        s.Closed = true;
        if (s.IdleTimer is not null) TimerQueue.Cancel(s.IdleTimer);
        if (s.PeriodicTimer is not null) TimerQueue.Cancel(s.PeriodicTimer);
        foreach (var w in s.Wants.Values) RemoveInterest(s, w.Cid);
        s.Wants.Clear();
        s.Held.Clear();
        s.PeerHaves.Clear();
        _sessions.Remove(s.Id);
    }

    // ------------------------------------------------------------------ wants

    private void AddWant(ClientSession s, Cid cid, int depth)
    {
        if (s.Wants.ContainsKey(cid)) return;
        if (s.Links is not null && !s.Seen.Add(cid)) return;
        if (s.Links is null) s.Seen.Add(cid); // remembered, so later HAVEs for it still bring peers into the session
        if (cid.Hash.Code == MulticodecCode.Identity)
        {
            // The data is inside the CID: nothing to fetch.
            DeliverLocal(s, Block.Create(cid, cid.Hash.Digest), depth);
            return;
        }
        if (TryGetLocal(cid) is { } local)
        {
            DeliverLocal(s, local, depth);
            return;
        }
        var w = new SessionWant(cid, s.NextPriority--, depth) { ShoalParentFrom = _shoalParentFrom };
        s.Wants.Add(cid, w);
        if (!_interest.TryGetValue(cid, out var list)) _interest[cid] = list = [];
        list.Add(s);
        if (s.WalkLimit > 0 && s.Released >= s.WalkLimit)
        {
            w.Held = true;
            s.Held.Enqueue(w);
        }
        else
        {
            ReleaseWant(s, w);
        }
        if (s.IdleTimer is { Due: null }) ResetIdleTick(s);
        if (s.PeriodicTimer is { Due: null }) Schedule(s.PeriodicTimer, _now + Options.PeriodicSearchDelay);
    }

    private void ReleaseWant(ClientSession s, SessionWant w)
    {
        w.Held = false;
        s.Released++;
        s.Pending.Add(w);
        QueueSessionSend(s);
    }

    /// <summary>A want left the session (received, found locally, cancelled): the walk may request the next.</summary>
    private void OnWantGone(ClientSession s, SessionWant w)
    {
        if (Options.Strategy == BitswapStrategy.Bitswap11) LegacyWantGone(s, w);
        if (w.Held) return;
        s.Released--;
        while (s.Released < s.WalkLimit && s.Held.TryDequeue(out var next))
        {
            if (next.Held && s.Wants.TryGetValue(next.Cid, out var current) && ReferenceEquals(current, next)) ReleaseWant(s, next);
        }
    }

    private Block? TryGetLocal(Cid cid)
        => _unstored.TryGetValue(cid, out var b) ? b : _blocks.Get(cid);

    private void DeliverLocal(ClientSession s, Block block, int depth)
    {
        s.Stats.BlocksFoundLocally++;
        Emit(new BlockDelivered(s.Id, block));
        ExpandLinks(s, block, depth);
    }

    private void ExpandLinks(ClientSession s, Block block, int depth)
    {
        if (s.Links is null || s.Closed) return;
        var links = new List<Cid>();
        try
        {
            s.Links.GetLinks(block, links);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            Emit(new SessionFailed(s.Id, block.Cid, e.Message));
            CloseSessionCore(s);
            return;
        }
        if (links.Count == 0 && depth > 0 && depth < s.ShoalLeafDepth) s.ShoalLeafDepth = depth;
        foreach (var c in links)
        {
            if (s.Closed) return;
            AddWant(s, c, depth + 1);
        }
    }

    private void CheckCompleted(ClientSession s)
    {
        if (s.Closed || s.Wants.Count > 0 || s.Stats.CompletedAt is not null) return;
        if (s.Stats.BlocksReceived + s.Stats.BlocksFoundLocally == 0) return;
        s.Stats.CompletedAt = _now;
        if (s.IdleTimer is not null) TimerQueue.Cancel(s.IdleTimer);
        if (s.PeriodicTimer is not null) TimerQueue.Cancel(s.PeriodicTimer);
        Emit(new SessionCompleted(s.Id));
        if (s.Links is not null) CloseSessionCore(s);
    }

    private void RemoveInterest(ClientSession s, Cid cid)
    {
        if (!_interest.TryGetValue(cid, out var list)) return;
        list.Remove(s);
        if (list.Count > 0) return;
        _interest.Remove(cid);
        CancelEverywhere(cid, except: null);
    }

    /// <summary>Nobody wants <paramref name="cid"/> any more: cancel it at every peer we asked.</summary>
    private void CancelEverywhere(Cid cid, PeerState? except)
    {
        _broadcast.Remove(cid);
        foreach (var p in _peerList)
        {
            if (!p.SentWants.Remove(cid, out var sw)) continue;
            ReleaseOutstanding(p, sw);
            if (ReferenceEquals(p, except)) continue;
            if (Options.Strategy == BitswapStrategy.Shoal && sw.Type == WantType.Have && SubscriptionEndsWithoutCancelShoal(p, cid, sw)) continue;
            // Shoal: the cancel of a want-have subscription tells the peer nothing it must act on (at worst it pushes a
            // HAVE we no longer need), so it may wait for company (ShoalCancelDelay).
            SendCancel(p, cid, lazy: sw.Type == WantType.Have && Options.Strategy == BitswapStrategy.Shoal && Options.ShoalCancelDelay > TimeSpan.Zero);
        }
    }

    private void SendCancel(PeerState p, Cid cid, bool lazy = false)
    {
        p.Outbox.Add(WantlistEntry.CancelOf(cid));
        if (!lazy) p.OutboxUrgent = true;
        else if (!p.OutboxLazy)
        {
            p.OutboxLazy = true;
            p.OutboxLazySince = _now;
        }
        MarkOutboxDirty(p);
        Stats.CancelsSent++;
        if (p.RecentCancels.Add(cid))
        {
            p.RecentCancelOrder.Enqueue(cid);
            if (p.RecentCancelOrder.Count > BitswapDefaults.RecentCancelsPerPeer) p.RecentCancels.Remove(p.RecentCancelOrder.Dequeue());
        }
    }

    private void QueueSessionSend(ClientSession s)
    {
        if (s.QueuedForSend) return;
        s.QueuedForSend = true;
        _sessionsToSend.Add(s);
    }

    private void MarkDirty(ClientSession s, SessionWant w)
    {
        if (w.Dirty || w.New) return;
        w.Dirty = true;
        s.Pending.Add(w);
        QueueSessionSend(s);
    }

    private void ProcessPendingSessions()
    {
        for (int i = 0; i < _sessionsToSend.Count; i++)
        {
            var s = _sessionsToSend[i];
            s.QueuedForSend = false;
            if (!s.Closed) SendSessionWants(s);
        }
        _sessionsToSend.Clear();
    }

    /// <summary>Decides, for each want that needs it, who gets a want-block and who a want-have.</summary>
    private void SendSessionWants(ClientSession s)
    {
        if (Options.Strategy == BitswapStrategy.Bitswap11)
        {
            SendSessionWantsLegacy(s);
            return;
        }
        var pending = s.Pending;
        if (pending.Count == 0 && s.Unassigned.Count == 0) return;

        if (s.Peers.Count == 0)
        {
            // Discovery: broadcast a limited number of wants to everyone we are connected to; the rest
            // wait for the first peer to answer.
            var keep = new List<SessionWant>();
            foreach (var w in pending)
            {
                if (!s.Wants.ContainsKey(w.Cid)) continue;
                if (w.LiveSince is null && s.LiveBroadcasts < Options.BroadcastLiveWantsLimit)
                {
                    s.LiveBroadcasts++;
                    w.LiveSince = _now;
                    BroadcastWant(s, w);
                }
                keep.Add(w);
            }
            pending.Clear();
            pending.AddRange(keep); // stay pending until peers appear
            return;
        }

        if (Options.Strategy == BitswapStrategy.Shoal)
        {
            SendSessionWantsShoal(s);
            return;
        }

        foreach (var w in pending)
        {
            w.Dirty = false;
            bool isNew = w.New;
            w.New = false;
            if (!s.Wants.ContainsKey(w.Cid)) continue;
            w.LiveSince ??= _now;
            if (Options.Strategy == BitswapStrategy.Bitswap11)
            {
                foreach (var p in s.Peers)
                {
                    if (SendWant(p, w.Cid, WantType.Block, w.Priority, sendDontHave: false, broadcast: false)) s.Stats.WantBlocksSent++;
                }
                continue;
            }
            if (w.SentTo is null && !w.Exhausted)
            {
                var best = ChooseBestPeer(s, w);
                if (best is not null && SendWant(best, w.Cid, WantType.Block, w.Priority, sendDontHave: true, broadcast: false))
                {
                    w.SentTo = best;
                    s.Stats.WantBlocksSent++;
                }
                else if (best is not null && best.SentWants.TryGetValue(w.Cid, out var sw) && sw.Type == WantType.Block)
                {
                    w.SentTo = best; // this or another session already asked this peer for it: it will send the block
                }
            }
            if (isNew || w.SentTo is null)
            {
                foreach (var p in s.Peers)
                {
                    if (ReferenceEquals(p, w.SentTo) || w.PresenceOf(p.Id) != Presence.Unknown) continue;
                    if (SendWant(p, w.Cid, WantType.Have, w.Priority, sendDontHave: true, broadcast: false)) s.Stats.WantHavesSent++;
                }
            }
        }
        pending.Clear();
    }

    /// <summary>The peer that gets the want-block: the best presence (HAVE over unknown, never DONT_HAVE);
    /// among equals, boxo picks at random weighted by who delivered first before, Shoal the peer expected
    /// to deliver soonest.</summary>
    private PeerState? ChooseBestPeer(ClientSession s, SessionWant w)
    {
        var bestPresence = Presence.DontHave;
        int count = 0;
        foreach (var p in s.Peers)
        {
            var pr = w.PresenceOf(p.Id);
            if (pr > bestPresence)
            {
                bestPresence = pr;
                count = 1;
            }
            else if (pr == bestPresence && pr != Presence.DontHave)
            {
                count++;
            }
        }
        if (bestPresence == Presence.DontHave) return null;

        if (count == 1)
        {
            foreach (var p in s.Peers)
            {
                if (w.PresenceOf(p.Id) == bestPresence) return p;
            }
        }
        long total = 0;
        foreach (var p in s.Peers)
        {
            if (w.PresenceOf(p.Id) == bestPresence) total += s.FirstResponses.GetValueOrDefault(p.Id, 1);
        }
        double pick = _random.NextDouble() * total;
        double counted = 0;
        PeerState? last = null;
        foreach (var p in s.Peers)
        {
            if (w.PresenceOf(p.Id) != bestPresence) continue;
            last = p;
            counted += s.FirstResponses.GetValueOrDefault(p.Id, 1);
            if (counted > pick) return p;
        }
        return last;
    }

    /// <summary>Queues one want for a peer unless it already has an equal or stronger one from us.</summary>
    private bool SendWant(PeerState p, Cid cid, WantType type, int priority, bool sendDontHave, bool broadcast)
    {
        if (!p.SupportsHave && type == WantType.Have)
        {
            // 1.0/1.1 peers know only want-block: a broadcast becomes one, a session want-have is dropped.
            if (!broadcast) return false;
            type = WantType.Block;
            sendDontHave = false;
        }
        if (p.SentWants.TryGetValue(cid, out var sw))
        {
            // Never ask the same question twice; but a want-block may follow a want-have (upgrade), or be asked
            // again after the peer said DONT_HAVE or timed out (it may have the block by now).
            if (type == WantType.Have || (sw.Type == WantType.Block && !sw.Answered)) return false;
            // boxo never sends a peer a second want-block for a CID: the first stays in its ledger as a subscription
            // and the block comes when the peer gets it.
            if (sw.Type == WantType.Block && Options.Strategy != BitswapStrategy.Shoal) return false;
            sw.Type = WantType.Block;
            sw.Priority = priority;
            sw.SendDontHave = sendDontHave;
            sw.SentAt = null;
            sw.Answered = false;
            sw.SaidHave = false;
        }
        else
        {
            sw = new SentWant(type, priority, sendDontHave);
            p.SentWants.Add(cid, sw);
        }
        if (Options.Strategy != BitswapStrategy.Shoal)
        {
            priority = p.NextWantPriority--;
            sw.Priority = priority; // a periodic resend repeats what the peer was told
        }
        if (type == WantType.Block)
        {
            p.OutstandingWantBlocks++;
            p.OutstandingBytes += (long)_averageBlockSize;
            Stats.WantBlocksSent++;
        }
        else
        {
            Stats.WantHavesSent++;
        }
        p.Outbox.Add(WantlistEntry.Want(cid, priority, type, sendDontHave));
        p.OutboxUrgent = true;
        MarkOutboxDirty(p);
        return true;
    }

    private void ReleaseOutstanding(PeerState p, SentWant sw)
    {
        if (sw.Type != WantType.Block || sw.Answered) return;
        p.OutstandingWantBlocks = Math.Max(0, p.OutstandingWantBlocks - 1);
        p.OutstandingBytes = Math.Max(0, p.OutstandingBytes - (long)_averageBlockSize);
        if (Options.Strategy == BitswapStrategy.Shoal) OnShoalWindowOpened(p);
    }

    private void BroadcastWant(ClientSession s, SessionWant w)
    {
        _broadcast[w.Cid] = w.Priority;
        s.Stats.Broadcasts++;
        var type = Options.Strategy == BitswapStrategy.Bitswap11 ? WantType.Block : WantType.Have;
        foreach (var p in _peerList) SendWant(p, w.Cid, type, w.Priority, sendDontHave: false, broadcast: true);
    }

    private void MarkOutboxDirty(PeerState p)
    {
        if (p.OutboxDirty) return;
        p.OutboxDirty = true;
        _dirtyOutboxes.Add(p);
    }

    // ------------------------------------------------------------------ outgoing messages

    private TimeSpan SendSpacing()
    {
        if (Options.MinSendDelay <= TimeSpan.Zero && Options.PerPeerSendDelay <= TimeSpan.Zero) return TimeSpan.Zero;
        var d = TimeSpan.FromTicks(Options.PerPeerSendDelay.Ticks * _peerList.Count);
        return Clamp(d, Options.MinSendDelay, Options.MaxSendDelay);
    }

    private void FlushOutboxes()
    {
        for (int i = 0; i < _dirtyOutboxes.Count; i++)
        {
            var p = _dirtyOutboxes[i];
            p.OutboxDirty = false;
            if (p.Connected) FlushOutbox(p);
        }
        _dirtyOutboxes.Clear();
    }

    private void FlushOutbox(PeerState p)
    {
        if (p.Outbox.Count == 0) return;
        // Only cancels of want-have subscriptions wait for company (a later want or cancel to this peer); anything
        // waits for the per-peer send spacing.
        TimeSpan? due = !p.OutboxUrgent && p.OutboxLazy && _now < p.OutboxLazySince + Options.ShoalCancelDelay
            ? p.OutboxLazySince + Options.ShoalCancelDelay
            : _now < p.NextSendAllowed ? p.NextSendAllowed : null;
        if (due is { } at)
        {
            p.FlushTimer ??= new CoreTimer(t => FlushOutbox(p));
            _timers.ScheduleNoLater(p.FlushTimer, at);
            return;
        }
        var entries = p.Outbox.Entries;
        for (int start = 0; start < entries.Count; start += Options.MaxOutgoingWantlistEntries)
        {
            var msg = new BitswapMessage();
            int end = Math.Min(entries.Count, start + Options.MaxOutgoingWantlistEntries);
            for (int i = start; i < end; i++)
            {
                var e = entries[i];
                msg.Wantlist.Add(e);
                if (e.Cancel || !p.SentWants.TryGetValue(e.Cid, out var sw)) continue;
                sw.SentAt = _now;
                if (e.WantType == WantType.Block && e.SendDontHave)
                {
                    p.DontHaveQueue.Enqueue((e.Cid, _now));
                }
            }
            Stats.MessagesSent++;
            Emit(new SendMessage(p.Id, msg, 0));
        }
        p.Outbox.Clear();
        p.OutboxUrgent = false;
        p.OutboxLazy = false;
        p.NextSendAllowed = _now + SendSpacing();
        RescheduleDontHaveTimer(p);
        if (_rebroadcastTimer.Due is null) Schedule(_rebroadcastTimer, _now + Options.WantRebroadcastInterval / 2);
    }

    // ------------------------------------------------------------------ incoming

    private void OnClientPeerConnected(PeerState p)
    {
        // Tell the newcomer every want we are broadcasting (boxo sends its broadcast wantlist on connect).
        var type = Options.Strategy == BitswapStrategy.Bitswap11 ? WantType.Block : WantType.Have;
        foreach (var kv in _broadcast) SendWant(p, kv.Key, type, kv.Value, sendDontHave: false, broadcast: true);

        if (_pendingProviders.Remove(p.Id, out var cids))
        {
            foreach (var c in cids) OnPeerHas(p, c);
        }
    }

    private void OnClientPeerDisconnected(PeerState p)
    {
        if (p.FlushTimer is not null) TimerQueue.Cancel(p.FlushTimer);
        if (p.DontHaveTimer is not null) TimerQueue.Cancel(p.DontHaveTimer);
        foreach (var s in ActiveSessions()) RemovePeerFromSession(s, p);
    }

    private List<ClientSession> ActiveSessions()
    {
        var list = new List<ClientSession>(_sessions.Count);
        foreach (var s in _sessions.Values) list.Add(s);
        return list;
    }

    private void ClientMessageReceived(PeerState p, BitswapMessage msg)
    {
        p.LastMessageAt = _now;
        if (p.SupportsHave) p.RemotePendingBytes = msg.PendingBytes;
        TimeSpan? earliest = null;

        foreach (var block in msg.Blocks)
        {
            var cid = block.Cid;
            int size = block.Data.Length;
            Stats.BlocksReceived++;
            Stats.DataReceived += size;
            p.BlocksReceived++;
            p.BytesReceived += size;
            UpdateRate(p, size);
            bool askedThisPeer = false;
            if (p.SentWants.Remove(cid, out var sw))
            {
                askedThisPeer = true;
                if (sw.SentAt is { } at && (earliest is null || at < earliest)) earliest = at;
                ReleaseOutstanding(p, sw);
            }
            if (_interest.TryGetValue(cid, out var sessions))
            {
                _averageBlockSize += BlockSizeAlpha * (size - _averageBlockSize);
                if (!_unstored.ContainsKey(cid))
                {
                    _unstored[cid] = block;
                    Emit(new StoreBlock(block));
                    // Shoal serves it from memory at once: peers subscribed to it hear HAVE now, not after the store write
                    // (on a real disk that took 30 ms at the median, and every move of a want waited for it).
                    if (Options.Strategy == BitswapStrategy.Shoal) ServerBlockAvailable(cid);
                }
                _interest.Remove(cid);
                foreach (var s in sessions.ToArray()) DeliverReceived(s, block, p);
                CancelEverywhere(cid, except: p);
            }
            else if (_unstored.ContainsKey(cid) || _blocks.GetSize(cid) >= 0)
            {
                Stats.DupBlksReceived++;
                Stats.DupDataReceived += size;
                if (Options.Strategy == BitswapStrategy.Bitswap11)
                {
                    foreach (var s in _sessions.Values)
                    {
                        if (!s.Closed && s.Seen.Contains(cid)) LegacyRecordBlock(s, duplicate: true);
                    }
                }
                if (Options.Strategy != BitswapStrategy.Shoal) JoinSessionsThatSaw(p, cid); // boxo: a duplicate still shows who holds the DAG
            }
            else
            {
                Stats.UnwantedBlocksReceived++;
                if (!askedThisPeer && !p.RecentCancels.Contains(cid) && ++p.UnsolicitedBlocks > Options.MaxUnsolicitedBlocksPerPeer)
                {
                    Emit(new DisconnectPeer(p.Id, $"sent {p.UnsolicitedBlocks} blocks nobody asked it for"));
                    p.UnsolicitedBlocks = int.MinValue; // report once
                }
            }
        }

        foreach (var bp in msg.BlockPresences)
        {
            if (p.SentWants.TryGetValue(bp.Cid, out var sw) && !sw.Answered)
            {
                if (sw.SentAt is { } at && (earliest is null || at < earliest)) earliest = at;
                ReleaseOutstanding(p, sw);
                sw.Answered = true; // kept, so we never ask the same peer the same question twice
                if (bp.Type == BlockPresenceType.Have && sw.Type == WantType.Have) sw.SaidHave = true;
            }
            if (bp.Type == BlockPresenceType.DontHave && Options.Strategy == BitswapStrategy.Shoal
                && p.SentWants.TryGetValue(bp.Cid, out var asked) && asked.Type == WantType.Block)
            {
                // The peer keeps our want-block as a subscription and would push the block when it gets it,
                // racing whoever we ask next: take the want-block back.
                p.SentWants.Remove(bp.Cid);
                SendCancel(p, bp.Cid);
            }
            if (bp.Type == BlockPresenceType.Have)
            {
                Stats.HavesReceived++;
                OnPeerHas(p, bp.Cid);
            }
            else
            {
                Stats.DontHavesReceived++;
                OnPeerDoesNotHave(p, bp.Cid);
            }
        }

        if (earliest is { } e && _now - e < Options.MaxValidLatency) UpdateLatency(p, _now - e);
    }

    private void UpdateRate(PeerState p, int size)
    {
        if (Options.RateSampleSpan > TimeSpan.Zero)
        {
            UpdateRateOverSpan(p, size);
            return;
        }
        // Rate over the gap since the previous block; a gap with nothing queued is idle time, not slowness,
        // so very long gaps are ignored.
        var gap = _now - p.LastBlockAt;
        p.LastBlockAt = _now;
        if (gap <= TimeSpan.Zero || gap > RateIdleGap) return;
        double sample = size / gap.TotalSeconds;
        AddRateSample(p, sample);
    }

    /// <summary>A gap between blocks longer than this is idle time, not a rate.</summary>
    private static readonly TimeSpan RateIdleGap = TimeSpan.FromSeconds(2);

    private const double RateAlpha = 0.2; // a few samples: the window follows a peer that speeds up or slows down

    private static void AddRateSample(PeerState p, double bytesPerSecond)
        => p.RateBytesPerSecond = p.RateBytesPerSecond <= 0 ? bytesPerSecond : p.RateBytesPerSecond + RateAlpha * (bytesPerSecond - p.RateBytesPerSecond);

    /// <summary>Rate as the bytes received over spans of at least <see cref="BitswapOptions.RateSampleSpan"/>: on real
    /// sockets blocks are handled in bursts (a busy loop catching up, a batch of queued inputs, socket buffers), and
    /// the gap between two blocks of one burst read as 200-500 MB/s on loopback, which sized Shoal's windows to a
    /// whole 16 MiB file at the seeder.</summary>
    private void UpdateRateOverSpan(PeerState p, int size)
    {
        var gap = _now - p.LastBlockAt;
        bool first = p.LastBlockAt == TimeSpan.Zero && p.RateSpanBytes == 0;
        p.LastBlockAt = _now;
        if (first || gap > RateIdleGap)
        {
            // This block ends an idle time: the span starts here, its bytes do not count.
            p.RateSpanStart = _now;
            p.RateSpanBytes = 0;
            return;
        }
        p.RateSpanBytes += size;
        var span = _now - p.RateSpanStart;
        if (span < Options.RateSampleSpan) return;
        double sample = p.RateSpanBytes / span.TotalSeconds;
        p.RateSpanStart = _now;
        p.RateSpanBytes = 0;
        AddRateSample(p, sample);
    }

    private void DeliverReceived(ClientSession s, Block block, PeerState from)
    {
        if (!s.Wants.Remove(block.Cid, out var w)) return;
        OnWantGone(s, w);
        ForgetHaves(s, w);
        s.Stats.BlocksReceived++;
        s.Stats.DataReceived += block.Data.Length;
        if (Options.Strategy == BitswapStrategy.Bitswap11) LegacyRecordBlock(s, duplicate: false);
        s.FirstResponses[from.Id] = s.FirstResponses.GetValueOrDefault(from.Id, 1) + 1;
        s.ConsecutiveDontHaves.Remove(from.Id);
        if (w.LiveSince is { } since)
        {
            s.TotalLatency += _now - since;
            s.LatencyCount++;
        }
        s.ConsecutiveTicks = 0;
        if (!s.PeerSet.Contains(from.Id)) AddPeerToSession(s, from);
        Emit(new BlockDelivered(s.Id, block));
        _shoalParentFrom = from;
        ExpandLinks(s, block, w.Depth);
        _shoalParentFrom = null;
        if (s.Closed) return;
        if (s.Wants.Count > 0) ResetIdleTick(s);
        CheckCompleted(s);
    }

    /// <summary>A block appeared locally (added by the user, or stored after another fetch).</summary>
    private void ClientBlockAvailable(Block block)
    {
        if (!_interest.Remove(block.Cid, out var sessions)) return;
        foreach (var s in sessions.ToArray())
        {
            if (!s.Wants.Remove(block.Cid, out var w)) continue;
            OnWantGone(s, w);
            ForgetHaves(s, w);
            DeliverLocal(s, block, w.Depth);
            CheckCompleted(s);
        }
        CancelEverywhere(block.Cid, except: null);
    }

    private void OnPeerHas(PeerState p, Cid cid)
    {
        if (Options.Strategy == BitswapStrategy.Shoal)
        {
            OnPeerHasShoal(p, cid);
            return;
        }
        if (!_interest.TryGetValue(cid, out var sessions))
        {
            // boxo keeps a session interested in blocks it already received: a late HAVE still says the peer holds
            // this DAG, so it joins the session (that is how leechers find each other).
            JoinSessionsThatSaw(p, cid);
            return;
        }
        foreach (var s in sessions)
        {
            if (!s.Wants.TryGetValue(cid, out var w)) continue;
            SetPresence(s, w, p.Id, Presence.Have);
            w.Exhausted = false;
            s.ConsecutiveDontHaves.Remove(p.Id);
            s.AssignPending = true;
            if (!s.PeerSet.Contains(p.Id)) AddPeerToSession(s, p);
            if (w.SentTo is null) MarkDirty(s, w);
        }
    }

    /// <summary>Shoal: a peer holding or asking for part of a DAG we are fetching is a trading partner for the
    /// rest of it (fellow leechers find each other without waiting for one to get a block first).</summary>
    private void JoinSessionsThatSaw(PeerState p, Cid cid)
    {
        foreach (var s in _sessions.Values)
        {
            if (s.Closed || s.PeerSet.Contains(p.Id) || s.Wants.Count == 0) continue;
            if (s.Seen.Contains(cid) || s.Wants.ContainsKey(cid)) AddPeerToSession(s, p);
        }
    }

    private void OnPeerDoesNotHave(PeerState p, Cid cid)
    {
        if (Options.Strategy == BitswapStrategy.Shoal)
        {
            OnPeerDoesNotHaveShoal(p, cid);
            return;
        }
        if (!_interest.TryGetValue(cid, out var sessions)) return;
        foreach (var s in sessions.ToArray())
        {
            if (!s.Wants.TryGetValue(cid, out var w)) continue;
            SetPresence(s, w, p.Id, Presence.DontHave);
            if (ReferenceEquals(w.SentTo, p))
            {
                w.SentTo = null;
                MarkDirty(s, w);
            }
            if (!s.PeerSet.Contains(p.Id)) continue;

            int n = s.ConsecutiveDontHaves.GetValueOrDefault(p.Id) + 1;
            s.ConsecutiveDontHaves[p.Id] = n;
            if (n >= Options.PeerDontHaveLimit && Options.Strategy != BitswapStrategy.Shoal && !PeerHasAnyWant(s, p))
            {
                RemovePeerFromSession(s, p);
                continue;
            }
            if (!w.Exhausted && AllPeersDontHave(s, w))
            {
                w.Exhausted = true;
                OnWantsExhausted(s, [w]);
            }
        }
    }

    /// <summary>Records an answer, keeping the session's count of wants each peer holds (its richness).</summary>
    private static void SetPresence(ClientSession s, SessionWant w, PeerId peer, Presence presence)
    {
        var old = w.PresenceOf(peer);
        if (old == presence) return;
        if (old == Presence.Have) s.PeerHaves[peer] = s.PeerHaves.GetValueOrDefault(peer) - 1;
        if (presence == Presence.Have) s.PeerHaves[peer] = s.PeerHaves.GetValueOrDefault(peer) + 1;
        w.SetPresence(peer, presence);
    }

    private static void ForgetHaves(ClientSession s, SessionWant w)
    {
        if (w.HaveCount == 0) return;
        foreach (var kv in w.Presence)
        {
            if (kv.Value == Presence.Have) s.PeerHaves[kv.Key] = s.PeerHaves.GetValueOrDefault(kv.Key) - 1;
        }
    }

    private static bool PeerHasAnyWant(ClientSession s, PeerState p)
    {
        foreach (var w in s.Wants.Values)
        {
            if (w.PresenceOf(p.Id) == Presence.Have) return true;
        }
        return false;
    }

    private static bool AllPeersDontHave(ClientSession s, SessionWant w)
    {
        foreach (var p in s.Peers)
        {
            if (w.PresenceOf(p.Id) != Presence.DontHave) return false;
        }
        return true;
    }

    private void AddPeerToSession(ClientSession s, PeerState p)
    {
        if (!p.Connected || !s.PeerSet.Add(p.Id)) return;
        s.Peers.Add(p);
        s.PeersDiscovered = true;
        s.AssignPending = true;
        s.Stats.PeersInSession = s.Peers.Count;
        if (Options.Strategy == BitswapStrategy.Bitswap11)
        {
            QueueSessionSend(s); // 1.1: the peer gets a share of the next wants (and the window grows to 32)
            return;
        }
        if (Options.Strategy == BitswapStrategy.Shoal)
        {
            OnPeerAddedShoal(s, p);
            return;
        }
        // 1.2: a new peer hears every want (as want-have) and may become the best source of those waiting.
        foreach (var w in s.Wants.Values)
        {
            if (w.New) continue; // goes out with the pending batch
            if (w.SentTo is not null)
            {
                if (w.PresenceOf(p.Id) == Presence.Unknown && SendWant(p, w.Cid, WantType.Have, w.Priority, true, false)) s.Stats.WantHavesSent++;
            }
            if (w.SentTo is null) MarkDirty(s, w);
        }
        // Wants that were waiting for a first peer go out now.
        if (s.Pending.Count > 0) QueueSessionSend(s);
    }

    private void RemovePeerFromSession(ClientSession s, PeerState p)
    {
        if (!s.PeerSet.Remove(p.Id)) return;
        s.Peers.Remove(p);
        s.ShoalPresumed.Remove(p.Id); // its presences are forgotten below; back, it is presumed again only after a new HAVE
        s.FirstResponses.Remove(p.Id);
        s.ConsecutiveDontHaves.Remove(p.Id);
        s.Stats.PeersInSession = s.Peers.Count;
        var exhausted = new List<SessionWant>();
        foreach (var w in s.Wants.Values)
        {
            SetPresence(s, w, p.Id, Presence.Unknown);
            if (ReferenceEquals(w.SentTo, p))
            {
                w.SentTo = null;
                MarkDirty(s, w);
            }
            if (!w.Exhausted && (s.Peers.Count == 0 || AllPeersDontHave(s, w)))
            {
                w.Exhausted = true;
                exhausted.Add(w);
            }
        }
        if (exhausted.Count > 0) OnWantsExhausted(s, exhausted);
    }

    /// <summary>No session peer has these: ask everyone we are connected to, and the content routing.</summary>
    private void OnWantsExhausted(ClientSession s, List<SessionWant> wants)
    {
        int n = 0;
        foreach (var w in wants)
        {
            if (n++ >= Options.BroadcastLiveWantsLimit) break;
            BroadcastWant(s, w);
        }
        if (s.ConsecutiveTicks == 0 && wants.Count > 0) SearchProviders(s, wants[0].Cid);
        if (Options.Strategy != BitswapStrategy.Shoal && wants.Count > 0)
        {
            // boxo's broadcast counts as an idle tick: the next search waits for a block to arrive or for periodic widening.
            ResetIdleTick(s);
            s.ConsecutiveTicks++;
        }
    }

    // ------------------------------------------------------------------ timers

    private void ResetIdleTick(ClientSession s)
    {
        if (s.IdleTimer is null) return;
        TimeSpan delay = s.AverageLatency is { } avg
            ? Options.BaseTickDelay + 3 * avg
            : Options.ProviderSearchDelay;
        Schedule(s.IdleTimer, _now + delay * (1 + s.ConsecutiveTicks));
    }

    /// <summary>No block for a while: rebroadcast live wants and look for providers of the first.</summary>
    private void OnIdleTick(ClientSession s)
    {
        if (s.Closed || s.Wants.Count == 0) return;
        if (Options.Strategy == BitswapStrategy.Shoal)
        {
            OnIdleTickShoal(s);
            return;
        }
        var live = new List<SessionWant>();
        foreach (var w in s.Wants.Values)
        {
            if (w.LiveSince is null) continue;
            live.Add(w);
            if (live.Count >= Options.BroadcastLiveWantsLimit) break;
        }
        if (live.Count == 0)
        {
            // Nothing went out yet (no peers at all): broadcast the first wants anyway.
            foreach (var w in s.Wants.Values)
            {
                live.Add(w);
                w.LiveSince ??= _now;
                if (live.Count >= Options.BroadcastLiveWantsLimit) break;
            }
        }
        foreach (var w in live) BroadcastWant(s, w);
        if (s.ConsecutiveTicks == 0 && live.Count > 0) SearchProviders(s, live[0].Cid);
        ResetIdleTick(s);
        s.ConsecutiveTicks++;
    }

    private void OnPeriodicSearch(ClientSession s)
    {
        if (s.Closed || s.Wants.Count == 0) return;
        int pick = _random.Next(s.Wants.Count);
        SessionWant? chosen = null;
        foreach (var w in s.Wants.Values)
        {
            if (pick-- == 0)
            {
                chosen = w;
                break;
            }
        }
        if (chosen is not null)
        {
            SearchProviders(s, chosen.Cid);
            BroadcastWant(s, chosen);
        }
        Schedule(s.PeriodicTimer!, _now + Options.PeriodicSearchDelay);
    }

    private void SearchProviders(ClientSession s, Cid cid)
    {
        s.Stats.ProviderSearches++;
        Stats.ProviderSearches++;
        Emit(new FindProviders(cid, Options.MaxProvidersPerSearch));
    }

    private void OnProviderFound(Cid cid, PeerId provider)
    {
        if (provider.Equals(Self)) return;
        if (_peers.TryGetValue(provider, out var p))
        {
            OnPeerHas(p, cid);
            return;
        }
        if (!_interest.ContainsKey(cid)) return;
        if (!_pendingProviders.TryGetValue(provider, out var list))
        {
            _pendingProviders[provider] = list = [];
            Emit(new ConnectTo(provider));
        }
        if (!list.Contains(cid)) list.Add(cid);
    }

    /// <summary>Resends wants a peer left unanswered for <see cref="BitswapOptions.WantRebroadcastInterval"/>.</summary>
    private void OnRebroadcastTimer(TimeSpan now)
    {
        bool any = false;
        foreach (var p in _peerList)
        {
            foreach (var kv in p.SentWants)
            {
                var sw = kv.Value;
                if (sw.SentAt is not { } at) continue;
                any = true;
                if (now - at < Options.WantRebroadcastInterval) continue;
                // boxo resends the whole wantlist periodically: a peer that dropped or forgot a want hears it again.
                sw.Answered = false;
                sw.SaidHave = false;
                p.Outbox.Add(WantlistEntry.Want(kv.Key, sw.Priority, sw.Type, sw.SendDontHave));
                p.OutboxUrgent = true;
                MarkOutboxDirty(p);
                Stats.Rebroadcasts++;
            }
        }
        if (any) Schedule(_rebroadcastTimer, now + Options.WantRebroadcastInterval / 2);
    }

    // ------------------------------------------------------------------ DONT_HAVE timeouts and latency

    private TimeSpan DontHaveTimeoutOf(PeerState p)
    {
        if (p.LatencySamples > 0)
        {
            return Clamp(TimeSpan.FromSeconds(p.LatencyEwmaSeconds * Options.MessageLatencyMultiplier),
                Options.MinDontHaveTimeout, Options.MaxDontHaveTimeout);
        }
        if (p.PingLatency is { } ping)
        {
            return Clamp(Options.MaxExpectedWantProcessTime + Options.PingLatencyMultiplier * ping,
                Options.MinDontHaveTimeout, Options.MaxDontHaveTimeout);
        }
        return Options.DontHaveTimeout;
    }

    private void UpdateLatency(PeerState p, TimeSpan latency)
    {
        double s = latency.TotalSeconds;
        p.LatencyEwmaSeconds = p.LatencySamples == 0 ? s : p.LatencyEwmaSeconds + Options.MessageLatencyAlpha * (s - p.LatencyEwmaSeconds);
        p.LatencySamples++;
        if (s < p.MinLatencySeconds) p.MinLatencySeconds = s;
        RescheduleDontHaveTimer(p);
    }

    private void RescheduleDontHaveTimer(PeerState p)
    {
        if (Options.Strategy == BitswapStrategy.Bitswap11) return; // 1.1 knows no DONT_HAVE
        while (p.DontHaveQueue.TryPeek(out var head) && !IsAwaitingBlock(p, head.Cid, head.SentAt)) p.DontHaveQueue.Dequeue();
        if (!p.DontHaveQueue.TryPeek(out var first))
        {
            if (p.DontHaveTimer is not null) TimerQueue.Cancel(p.DontHaveTimer);
            return;
        }
        p.DontHaveTimer ??= new CoreTimer(t => OnDontHaveTimer(p));
        Schedule(p.DontHaveTimer, first.SentAt + DontHaveTimeoutOf(p));
    }

    private static bool IsAwaitingBlock(PeerState p, Cid cid, TimeSpan sentAt)
        => p.SentWants.TryGetValue(cid, out var sw) && !sw.Answered && sw.Type == WantType.Block && sw.SentAt == sentAt;

    /// <summary>The peer sat on want-blocks longer than its timeout: act as if it said DONT_HAVE.</summary>
    private void OnDontHaveTimer(PeerState p)
    {
        if (!p.Connected) return;
        var timeout = DontHaveTimeoutOf(p);
        var expired = new List<Cid>();
        TimeSpan? quietUntil = null;
        while (p.DontHaveQueue.TryPeek(out var head))
        {
            if (!IsAwaitingBlock(p, head.Cid, head.SentAt))
            {
                p.DontHaveQueue.Dequeue();
                continue;
            }
            if (_now - head.SentAt < timeout) break;
            if (Options.Strategy == BitswapStrategy.Shoal && p.SupportsHave)
            {
                // A 1.2 peer says DONT_HAVE itself; while it keeps talking to us it is busy, not silent.
                var silence = timeout > Options.ShoalSilenceTimeout ? timeout : Options.ShoalSilenceTimeout;
                var quietSince = p.LastMessageAt > head.SentAt ? p.LastMessageAt : head.SentAt;
                if (_now - quietSince < silence)
                {
                    // Not silent yet; the wants that did expire above must still be let go (returning here
                    // left them pointing at this peer with their want-block cancelled: a stall).
                    quietUntil = quietSince + silence;
                    break;
                }
            }
            p.DontHaveQueue.Dequeue();
            var sw = p.SentWants[head.Cid];
            ReleaseOutstanding(p, sw);
            sw.Answered = true;
            expired.Add(head.Cid);
            if (Options.Strategy == BitswapStrategy.Shoal)
            {
                // Take the want back, so the slow peer does not send it after another peer did.
                p.SentWants.Remove(head.Cid);
                SendCancel(p, head.Cid);
            }
        }
        foreach (var c in expired)
        {
            Stats.SimulatedDontHaves++;
            OnPeerDoesNotHave(p, c);
        }
        if (quietUntil is { } wake) Schedule(p.DontHaveTimer!, wake);
        else RescheduleDontHaveTimer(p);
    }
}
