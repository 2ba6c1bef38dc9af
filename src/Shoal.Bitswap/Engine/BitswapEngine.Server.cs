using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

// The server half: per-peer ledgers, a fair task queue, bounded work in flight, reseeding.
public sealed partial class BitswapEngine
{
    private int _envelopesInFlight;
    private long _taskSeq;

    /// <summary>What <paramref name="peer"/> wants from us right now (its ledger), for inspection.</summary>
    public IReadOnlyList<(Cid Cid, WantType Type)> WantsOf(PeerId peer)
    {
        var list = new List<(Cid, WantType)>();
        if (_peers.TryGetValue(peer, out var p))
        {
            foreach (var kv in p.Ledger.Wants) list.Add((kv.Key, kv.Value.Type));
        }
        return list;
    }

    /// <summary>Bytes of answers queued for <paramref name="peer"/> (what we report as pendingBytes).</summary>
    public long PendingBytesFor(PeerId peer) => _peers.TryGetValue(peer, out var p) ? p.Ledger.PendingWork : 0;

    private void ServerMessageReceived(PeerState p, BitswapMessage msg)
    {
        var ledger = p.Ledger;
        if (msg.Full)
        {
            var keep = new HashSet<Cid>();
            foreach (var e in msg.Wantlist)
            {
                if (!e.Cancel) keep.Add(e.Cid);
            }
            var drop = new List<Cid>();
            foreach (var c in ledger.Wants.Keys)
            {
                if (!keep.Contains(c)) drop.Add(c);
            }
            foreach (var c in drop) CancelPeerWant(ledger, c);
        }

        foreach (var e in msg.Wantlist)
        {
            if (e.Cancel)
            {
                if (Options.Strategy == BitswapStrategy.Shoal && Options.ShoalIdleWaitsForMoves) OnCancelShoal(ledger, e.Cid);
                CancelPeerWant(ledger, e.Cid);
                continue;
            }
            if (Options.Strategy == BitswapStrategy.Shoal) OnWantFromPeerShoal(p, e.Cid);
            var type = p.SupportsHave ? e.WantType : WantType.Block;
            bool sendDontHave = p.SupportsHave && e.SendDontHave;
            if (ledger.Wants.TryGetValue(e.Cid, out var existing))
            {
                if (existing.Type == WantType.Have) existing.Type = type;
                ledger.SetPriority(existing, e.Priority);
                existing.SendDontHave |= sendDontHave;
            }
            else
            {
                if (ledger.Wants.Count >= LedgerWantLimit && !EvictForNewWant(ledger, e.Cid, e.Priority)) continue;
                existing = new LedgerWant(e.Cid, type, e.Priority, sendDontHave);
                ledger.AddWant(existing);
            }
            QueueAnswer(ledger, e.Cid, existing, answerAbsent: true);
        }
        if (Options.Strategy == BitswapStrategy.Shoal) DropWantsOfHoldersShoal(ledger, msg);
    }

    private static void CancelPeerWant(PeerLedger ledger, Cid cid)
    {
        ledger.RemoveWant(cid);
        if (ledger.Pending.TryGetValue(cid, out var task)) ledger.RemoveTask(task);
    }

    /// <summary>The ledger is full: drop a want for a block we lack first, else a lower-priority one
    /// (boxo's order); false when the new want is the one to drop. The candidate comes from the ledger's
    /// <see cref="LedgerEvictionOrder"/> in O(log n): the same want a scan of the whole ledger would pick.</summary>
    private bool EvictForNewWant(PeerLedger ledger, Cid cid, int priority)
    {
        bool newIsPresent = LocalSize(cid) >= 0;
        var victim = ledger.Eviction.Victim(_isLocal ??= c => LocalSize(c) >= 0, out bool victimAbsent);
        if (victim is null) return false;
        bool evict = (victimAbsent && newIsPresent) || (victimAbsent == !newIsPresent && victim.Priority < priority);
        if (!evict) return false;
        CancelPeerWant(ledger, victim.Cid);
        return true;
    }

    /// <summary>A block left the local store: wants for it may be for a block we lack again (eviction prefers those).</summary>
    private void ServerBlockRemoved(Cid cid)
    {
        if (LocalSize(cid) >= 0) return;
        foreach (var p in _peerList)
        {
            if (p.Ledger.Wants.TryGetValue(cid, out var want)) p.Ledger.Eviction.MayBeAbsentAgain(want);
        }
    }

    private Func<Cid, bool>? _isLocal;

    /// <summary>Size of a local block, -1 when absent. A block a session still wants is absent without asking the store (a
    /// want is made only for a block the store lacks, and goes once it is stored): on a daemon every want-have for a block
    /// it is itself fetching cost a flatfs stat, a quarter of a Shoal leecher's loop.</summary>
    private int LocalSize(Cid cid)
        => _unstored.TryGetValue(cid, out var b) ? b.Data.Length : _interest.ContainsKey(cid) ? -1 : _blocks.GetSize(cid);

    private static int PresenceWork(Cid cid) => cid.Bytes.Length + 4;

    /// <summary>Queues the answer to a want: the block, a HAVE, or (when asked and we lack it) a DONT_HAVE.
    /// A stronger answer replaces a weaker one for the same CID (want-have and want-block merge).</summary>
    private void QueueAnswer(PeerLedger ledger, Cid cid, LedgerWant want, bool answerAbsent)
    {
        int size = LocalSize(cid);
        ServerTaskKind kind;
        int work;
        if (size >= 0)
        {
            // A small block answers a want-have directly. Shoal answers only a want-have that asks for DONT_HAVE so:
            // one without is a subscription (a Shoal client sends it to every session peer, and every holder
            // sending the block would be all duplicates), answered with a HAVE now or when the block arrives.
            bool replace = size <= Options.WantHaveReplaceSize
                && (Options.Strategy != BitswapStrategy.Shoal || (answerAbsent && want.SendDontHave));
            bool sendBlock = want.Type == WantType.Block || replace;
            kind = sendBlock ? ServerTaskKind.SendBlock : ServerTaskKind.SendHave;
            work = sendBlock ? Math.Max(1, size) : PresenceWork(cid);
        }
        else if (answerAbsent && want.SendDontHave)
        {
            kind = ServerTaskKind.SendDontHave;
            work = PresenceWork(cid);
        }
        else
        {
            return; // stays in the ledger as a subscription
        }
        if (ledger.Pending.TryGetValue(cid, out var existing))
        {
            if (existing.Kind >= kind) return;
            ledger.RemoveTask(existing);
        }
        ledger.AddTask(new ServerTask(cid, kind, work, want.Priority, _taskSeq++) { QueuedAt = _now });
    }

    /// <summary>Reseeding: a block just became local, so every peer whose ledger wants it gets it (or a HAVE).</summary>
    private void ServerBlockAvailable(Cid cid)
    {
        foreach (var p in _peerList)
        {
            if (p.Ledger.Wants.TryGetValue(cid, out var want)) QueueAnswer(p.Ledger, cid, want, answerAbsent: false);
        }
    }

    private void OnServerPeerDisconnected(PeerState p)
    {
        _envelopesInFlight = Math.Max(0, _envelopesInFlight - p.Ledger.ActiveEnvelopes);
        p.Ledger.ActiveEnvelopes = 0;
        p.Ledger.ActiveWork = 0;
        p.Ledger.Clear();
        p.ShoalEnvelopeBlocks.Clear();
    }

    private void OnEnvelopeSent(PeerId peer, int work)
    {
        if (work <= 0) return;
        if (!_peers.TryGetValue(peer, out var p) || p.Ledger.ActiveEnvelopes == 0) return; // already forgotten at disconnect
        p.Ledger.ActiveEnvelopes--;
        p.Ledger.ActiveWork = Math.Max(0, p.Ledger.ActiveWork - work);
        _envelopesInFlight = Math.Max(0, _envelopesInFlight - 1);
        if (p.ShoalEnvelopeBlocks.TryDequeue(out var blocks)) NoteWrittenShoal(blocks, p.Id);
    }

    /// <summary>Pops answers into messages while send slots are free, always for the peer the fair order
    /// (boxo #1143) puts first.</summary>
    private void Serve()
    {
        if (Options.Strategy == BitswapStrategy.Shoal)
        {
            ServeShoal();
            return;
        }
        while (_envelopesInFlight < Options.MaxConcurrentEnvelopes)
        {
            PeerState? best = null;
            // Only peers with answers queued (the index lists a peer exactly while its queue is non-empty), in peer-list order.
            foreach (var p in _peersWithAnswers.InConnectionOrder)
            {
                var l = p.Ledger;
                if (l.ActiveWork >= Options.MaxOutstandingBytesPerPeer) continue;
                if (best is null || ServesBefore(p, best)) best = p;
            }
            if (best is null) return;
            PopEnvelope(best);
        }
    }

    /// <summary>boxo's fair comparator: a starved peer first; then less work in flight; then more pending
    /// (capped, so thousands of wants do not outrank a handful); then a seeded tiebreak.</summary>
    private bool ServesBefore(PeerState a, PeerState b)
    {
        bool aStarved = IsStarved(a.Ledger);
        bool bStarved = IsStarved(b.Ledger);
        if (aStarved != bStarved) return aStarved;
        if (a.Ledger.ActiveWork != b.Ledger.ActiveWork) return a.Ledger.ActiveWork < b.Ledger.ActiveWork;
        int ap = Math.Min(a.Ledger.Order.Count, Options.PeerPendingCap);
        int bp = Math.Min(b.Ledger.Order.Count, Options.PeerPendingCap);
        if (ap != bp) return ap > bp;
        return a.Tiebreak < b.Tiebreak;
    }

    private bool IsStarved(PeerLedger l) => l.LastServedAt is not { } t || _now - t > Options.PeerStarvationTimeout;

    /// <param name="first">The first task, when the caller has already picked it (Shoal's fresh task).</param>
    private void PopEnvelope(PeerState p, ShoalTaskPick pick = ShoalTaskPick.Head, ServerTask? first = null)
    {
        var l = p.Ledger;
        var msg = new BitswapMessage();
        int work = 0;
        while (l.Order.Count > 0 && work < Options.TargetMessageSize)
        {
            var task = first ?? (pick == ShoalTaskPick.Head ? l.Order.Min! : NextTaskShoal(p, pick == ShoalTaskPick.FreshOnly));
            first = null;
            if (task is null) break;
            l.RemoveTask(task);
            work += task.Work;
            l.Wants.TryGetValue(task.Cid, out var want);
            switch (task.Kind)
            {
                case ServerTaskKind.SendBlock:
                    var block = TryGetLocal(task.Cid);
                    if (block is null)
                    {
                        // Deleted since we queued it.
                        if (want is { SendDontHave: true } && p.SupportsHave)
                        {
                            msg.BlockPresences.Add(new BlockPresence(task.Cid, BlockPresenceType.DontHave));
                            Stats.DontHavesSent++;
                        }
                        break;
                    }
                    if (p.Version == BitswapProtocolVersion.V100 && block.Cid.Version != 0) break;
                    msg.Blocks.Add(block);
                    if (pick != ShoalTaskPick.Head) NoteUploadedShoal(task.Cid, p.Id);
                    l.RemoveWant(task.Cid);
                    l.BlocksSent++;
                    l.BytesSent += block.Data.Length;
                    Stats.BlocksSent++;
                    Stats.DataSent += block.Data.Length;
                    break;
                case ServerTaskKind.SendHave:
                    msg.BlockPresences.Add(new BlockPresence(task.Cid, BlockPresenceType.Have));
                    if (want is { Type: WantType.Have }) l.RemoveWant(task.Cid);
                    Stats.HavesSent++;
                    break;
                default:
                    msg.BlockPresences.Add(new BlockPresence(task.Cid, BlockPresenceType.DontHave));
                    Stats.DontHavesSent++; // the want stays: a subscription answered when the block arrives
                    break;
            }
        }
        if (msg.Blocks.Count == 0 && msg.BlockPresences.Count == 0) return;
        msg.PendingBytes = (int)Math.Min(int.MaxValue, l.PendingWork);
        work = Math.Max(1, work);
        l.ActiveWork += work;
        l.ActiveEnvelopes++;
        l.LastServedAt = _now;
        _envelopesInFlight++;
        Stats.MessagesSent++;
        if (pick != ShoalTaskPick.Head) EnqueueEnvelopeShoal(p, msg);
        Emit(new SendMessage(p.Id, msg, work));
    }
}
