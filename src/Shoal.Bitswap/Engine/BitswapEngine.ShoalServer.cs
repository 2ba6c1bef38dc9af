using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

// Shoal's server order (issue 9), a local policy: every peer gets the same standard 1.2 answers, only their
// order changes.
// - Super-seeding: a block this node has not uploaded yet goes before one it already uploaded to someone,
//   so a seeder spends its upload on blocks the swarm lacks; the peer asking for a block already out there
//   hears a HAVE from whoever got it and can fetch it there (a Shoal client moves the want).
// - Presence answers (HAVE pushes) go before blocks: they are tiny and tell peers whom to ask.
// - Peers take turns (least recently served first), so a peer with few wants queued is never starved by
//   peers with many (boxo's "more pending first" starved Shoal's short windows).
public sealed partial class BitswapEngine
{
    /// <summary>For each block this node uploaded, the peer that got it last. The block counts as "out there" (and a
    /// seeder holds a second copy back) only while that peer is still connected and is not the asker: a peer that
    /// left serves nobody, so holding back for it would only slow the asker (a lone leecher fetching from a seeder
    /// whose earlier leecher has gone got 4 MiB/s instead of 100).</summary>
    private readonly Dictionary<Cid, ShoalUpload> _shoalUploadedTo = [];

    /// <summary>A block's uploads: when the first one left (kept across later uploads), to whom the last one went, and
    /// when that last envelope was reported written (null while in flight).</summary>
    private readonly record struct ShoalUpload(PeerId To, TimeSpan FirstAt, TimeSpan? WrittenAt);

    private bool IsOutThereShoal(Cid cid, PeerId asker)
        => _shoalUploadedTo.TryGetValue(cid, out var up) && !up.To.Equals(asker)
           && _peers.TryGetValue(up.To, out var h) && h.Connected;

    /// <summary>When a held-back block may go to a second asker although this node is super-seeding (used only when
    /// nothing fresh is queued): null while its first copy is in flight; once written, at once if many peers wait for it
    /// (its single holder would serve them all at once, in a star), else <see cref="BitswapDefaults.ShoalHandOverGrace"/>
    /// later, so an asker that hears the holder's HAVE has moved its want (and cancelled here) before we send.</summary>
    private TimeSpan? HandOverAtShoal(Cid cid)
    {
        if (!_shoalUploadedTo.TryGetValue(cid, out var up) || up.WrittenAt is not { } at) return null;
        var afterGrace = at + BitswapDefaults.ShoalHandOverGrace;
        if (_now >= afterGrace) return afterGrace; // no need to count askers
        return ManyAskShoal(cid) ? at : afterGrace;
    }

    private readonly Dictionary<Cid, bool> _shoalManyAsk = [];

    /// <summary>At least <see cref="BitswapDefaults.ShoalStarAskers"/> peers wait for <paramref name="cid"/> from us
    /// (counted once per serving pass, and only while a block is within its grace, so a seeder with a thousand peers
    /// does not count on every message).</summary>
    private bool ManyAskShoal(Cid cid)
    {
        if (_shoalManyAsk.TryGetValue(cid, out bool many)) return many;
        int n = 0;
        foreach (var q in _peersWithAnswers.InConnectionOrder)
        {
            if (q.Ledger.Pending.TryGetValue(cid, out var t) && t.Kind == ServerTaskKind.SendBlock && ++n >= BitswapDefaults.ShoalStarAskers) break;
        }
        many = n >= BitswapDefaults.ShoalStarAskers;
        _shoalManyAsk[cid] = many;
        return many;
    }

    /// <summary>The Shoal server's cap on one peer's wants: Shoal clients keep a want-have subscription per block at
    /// every session peer, and an image has more blocks than boxo's 1024.</summary>
    private int LedgerWantLimit => Options.Strategy == BitswapStrategy.Shoal
        ? Math.Max(Options.MaxQueuedWantsPerPeer, BitswapDefaults.ShoalMaxQueuedWantsPerPeer)
        : Options.MaxQueuedWantsPerPeer;

    /// <summary>A peer asking us for blocks is fetching (a leecher), not a seeder; and if it asks for part of a DAG
    /// we are fetching, it is a trading partner.</summary>
    private void OnWantFromPeerShoal(PeerState p, Cid cid)
    {
        bool firstAsk = !p.ShoalAskedUs;
        p.ShoalAskedUs = true;
        if (_sessions.Count == 0) return;
        // Only a peer that never asked us is presumed to hold a DAG (OnPeerHasShoal), so only its first want ends a guess.
        if (firstAsk)
        {
            foreach (var s in _sessions.Values) StopPresumingShoal(s, p);
        }
        JoinSessionsThatSaw(p, cid);
    }

    /// <summary>Super-seeding holds blocks back only on a node that never fetched (an original seeder, whose upload is
    /// the swarm's bottleneck): a leecher, even one that finished, serves what it is asked at once, fresh blocks
    /// first; it may be the only holder of the last blocks.</summary>
    private bool SuperSeeding => !_shoalEverFetched;

    private bool _shoalEverFetched;

    /// <summary>When this node last started uploading a block it had never uploaded (a fresh one).</summary>
    private TimeSpan _shoalLastFreshAt;

    /// <summary>Envelopes a super-seeding node with nothing fresh to send may have in flight for blocks it already
    /// uploaded: two while fresh blocks are still being asked for (a later fresh request must find the uplink free),
    /// <see cref="BitswapDefaults.ShoalDrainEnvelopes"/> once none was for <see cref="BitswapDefaults.ShoalDrainQuiet"/>
    /// (the transfer is draining: every block is out, its idle uplink helps spread the last ones). Only in the model
    /// where an envelope is in flight until its last byte is out (the simulator's): on real hosts
    /// (<see cref="BitswapOptions.ShoalIdleWaitsForMoves"/>) an envelope counts as sent once the kernel has it, so fewer
    /// than two are nearly always in flight and the idle rule (<see cref="IdleTaskShoal"/>) already serves every
    /// handed-over block.</summary>
    private int IdleEnvelopeCapShoal(out TimeSpan? drainAt)
    {
        drainAt = null;
        if (Options.ShoalIdleWaitsForMoves) return Options.ShoalEnvelopesPerPeer;
        var at = _shoalLastFreshAt + BitswapDefaults.ShoalDrainQuiet;
        if (_now < at) drainAt = at;
        return drainAt is null ? BitswapDefaults.ShoalDrainEnvelopes : Options.ShoalEnvelopesPerPeer;
    }

    private void ServeShoal()
    {
        _shoalSuperSeeding = SuperSeeding;
        _shoalDeferredUntil = null;
        _shoalManyAsk.Clear();
        int perPeer = EnvelopesPerPeerShoal;
        while (_envelopesInFlight < Options.ShoalMaxConcurrentEnvelopes)
        {
            PeerState? best = null;
            ServerTask? bestFresh = null;
            // Only peers with answers queued, in peer-list order.
            foreach (var p in _peersWithAnswers.InConnectionOrder)
            {
                var l = p.Ledger;
                if (l.ActiveWork >= Options.MaxOutstandingBytesPerPeer || l.ActiveEnvelopes >= perPeer) continue;
                var fresh = NextTaskShoal(p, freshOnly: true);
                // In the simulator's model (no ShoalIdleWaitsForMoves) a peer with only held-back blocks that are not
                // handed over yet has nothing to send.
                if (fresh is null && !Options.ShoalIdleWaitsForMoves && NextTaskShoal(p, freshOnly: false) is null) continue;
                if (best is null || (fresh is not null && bestFresh is null) || ((fresh is null) == (bestFresh is null) && ServedEarlier(p, best)))
                {
                    best = p;
                    bestFresh = fresh;
                }
            }
            // A block already uploaded waits (up to ShoalMaxDeferral) even when nothing fresh is queued: its
            // asker will hear a HAVE from whoever got it, and our upload stays free for the next fresh request.
            if (best is null) break;
            if (bestFresh is null)
            {
                // Nothing fresh anywhere. A seeder that is still uploading holds back blocks it already uploaded
                // (serving them whenever nothing fresh was queued cost 0.8 extra copies in the sim: each such
                // transfer slows the next fresh one); an idle seeder serves one once it has been handed over (its
                // first copy written, and its holder's HAVE had time to move the asker: HandOverAtShoal; on real hosts,
                // IdleTaskShoal); a leecher serves whatever is asked.
                if (_shoalSuperSeeding && _envelopesInFlight >= IdleEnvelopeCapShoal(out var drainAt))
                {
                    if (drainAt is { } at && (_shoalDeferredUntil is not { } d || at < d)) _shoalDeferredUntil = at;
                    break;
                }
                if (_shoalSuperSeeding && Options.ShoalIdleWaitsForMoves)
                {
                    if (IdleTaskShoal(out var idlePeer) is not { } idleTask) break;
                    PopEnvelope(idlePeer!, ShoalTaskPick.FreshOnly, first: idleTask);
                    continue;
                }
                PopEnvelope(best, ShoalTaskPick.Any);
                continue;
            }
            PopEnvelope(best, ShoalTaskPick.FreshOnly, first: bestFresh);
        }
        if (_shoalDeferredUntil is { } due)
        {
            _shoalDeferralTimer ??= new CoreTimer(_ => { }); // firing runs Serve at the end of the tick
            _timers.ScheduleNoLater(_shoalDeferralTimer, due);
        }
    }

    /// <summary>Messages in flight per peer: <see cref="BitswapDefaults.ShoalLargeSwarmEnvelopesPerPeer"/> in a large swarm
    /// where an envelope is in flight until its last byte is out (the next block for a peer is chosen when its
    /// connection frees); else <see cref="BitswapOptions.ShoalEnvelopesPerPeer"/>. On real hosts
    /// (<see cref="BitswapOptions.ShoalIdleWaitsForMoves"/>) an envelope counts as sent once the kernel has it, so the
    /// choice is made early there either way and two keep the socket fed.</summary>
    private int EnvelopesPerPeerShoal
        => !Options.ShoalIdleWaitsForMoves && _peerList.Count >= BitswapDefaults.ShoalLargeSwarmPeers
            ? Math.Min(Options.ShoalEnvelopesPerPeer, BitswapDefaults.ShoalLargeSwarmEnvelopesPerPeer)
            : Options.ShoalEnvelopesPerPeer;

    private bool _shoalSuperSeeding;
    private TimeSpan? _shoalDeferredUntil;
    private CoreTimer? _shoalDeferralTimer;

    private static bool ServedEarlier(PeerState a, PeerState b)
    {
        var ta = a.Ledger.LastServedAt;
        var tb = b.Ledger.LastServedAt;
        if (ta != tb)
        {
            if (ta is null) return true;
            if (tb is null) return false;
            return ta < tb;
        }
        return a.Tiebreak < b.Tiebreak;
    }

    /// <summary>The next answer for this peer: a presence answer first, then the first block (in the peer's
    /// priority order) that this node has not uploaded yet or that waited long enough; with
    /// <paramref name="freshOnly"/> false, any block on a leecher, and on a super-seeding node a block whose first copy
    /// was handed over (written, and its holder had time to say HAVE).</summary>
    private ServerTask? NextTaskShoal(PeerState p, bool freshOnly)
    {
        var l = p.Ledger;
        ServerTask? firstBlock = null;
        ServerTask? handedOver = null;
        ServerTask? fresh = null;
        int seen = 0;
        foreach (var t in l.Order)
        {
            if (t.Kind != ServerTaskKind.SendBlock) return t;
            if (++seen > BitswapDefaults.ShoalTaskScan) break;
            firstBlock ??= t;
            if (!IsOutThereShoal(t.Cid, p.Id) || t.Work <= Options.WantHaveReplaceSize)
            {
                fresh = t;
                break;
            }
            if (_shoalSuperSeeding)
            {
                // A seeder holds it back for a while; a leecher does not (it may be the block's only holder).
                var until = t.QueuedAt + ShoalBusyDeferral;
                if (_now >= until)
                {
                    fresh = t;
                    break;
                }
                if (!freshOnly && handedOver is null && HandOverAtShoal(t.Cid) is { } handOver)
                {
                    if (_now >= handOver) handedOver = t;
                    else if (handOver < until) until = handOver;
                }
                if (_shoalDeferredUntil is not { } d || until < d) _shoalDeferredUntil = until;
            }
        }
        return fresh ?? (freshOnly ? null : _shoalSuperSeeding ? handedOver : firstBlock);
    }

    /// <summary>How long after a block's first upload the clients asking for it again take to move their want to its
    /// holder (the cancel reaching us): mean and mean deviation, learned from those cancels.</summary>
    private double _shoalMoveMean = BitswapDefaults.ShoalInitialMoveTime.TotalSeconds;
    private double _shoalMoveDeviation = BitswapDefaults.ShoalInitialMoveTime.TotalSeconds / 2;

    /// <summary>How long an idle seeder (real hosts) keeps an already-uploaded block back: most moves arrive by then.</summary>
    private TimeSpan ShoalMoveWait
        => TimeSpan.FromSeconds(Math.Min(_shoalMoveMean + 2 * _shoalMoveDeviation, BitswapDefaults.ShoalMaxLearnedMoveWait.TotalSeconds));

    /// <summary>How long a busy seeder keeps an already-uploaded block behind fresh ones: <see cref="BitswapDefaults.ShoalMaxDeferral"/>,
    /// or on real hosts the learned move time when moves take longer than that (slow links).</summary>
    private TimeSpan ShoalBusyDeferral
        => Options.ShoalIdleWaitsForMoves && ShoalMoveWait is var learned && learned > BitswapDefaults.ShoalMaxDeferral ? learned : BitswapDefaults.ShoalMaxDeferral;

    /// <summary>A cancel arrived: if it withdraws a block we held back because we had uploaded it, it is a client moving
    /// its want to the block's holder; how long after our upload that happened is learned.</summary>
    private void OnCancelShoal(PeerLedger ledger, Cid cid)
    {
        if (!ledger.Pending.TryGetValue(cid, out var task) || task.Kind != ServerTaskKind.SendBlock) return;
        if (!_shoalUploadedTo.TryGetValue(cid, out var up)) return;
        double sample = Math.Min((_now - up.FirstAt).TotalSeconds, BitswapDefaults.ShoalMaxLearnedMoveWait.TotalSeconds);
        _shoalMoveDeviation += MoveAlpha * (Math.Abs(sample - _shoalMoveMean) - _shoalMoveDeviation);
        _shoalMoveMean += MoveAlpha * (sample - _shoalMoveMean);
    }

    private const double MoveAlpha = 0.125; // TCP's smoothing of round-trip samples: one late cancel moves it a little

    /// <summary>An idle seeder on a real network: the first queued block (peers served least recently first) whose
    /// first upload is older than <see cref="ShoalMoveWait"/>, or that its holder cannot serve (gone, or the asker
    /// itself). Younger ones wait: their askers are about to move them (on real sockets an envelope counts as sent
    /// once the kernel has it, so "fewer than two in flight" is nearly always true and served every request for an
    /// uploaded block at once: 2 seeder copies on small-4).</summary>
    private ServerTask? IdleTaskShoal(out PeerState? peer)
    {
        peer = null;
        ServerTask? found = null;
        var wait = ShoalMoveWait;
        foreach (var p in _peersWithAnswers.InConnectionOrder)
        {
            var l = p.Ledger;
            if (l.ActiveWork >= Options.MaxOutstandingBytesPerPeer || l.ActiveEnvelopes >= Options.ShoalEnvelopesPerPeer) continue;
            if (peer is not null && !ServedEarlier(p, peer)) continue;
            int seen = 0;
            foreach (var t in l.Order)
            {
                if (t.Kind != ServerTaskKind.SendBlock) continue;
                if (++seen > BitswapDefaults.ShoalTaskScan) break;
                var ready = _shoalUploadedTo.TryGetValue(t.Cid, out var up) ? up.FirstAt + wait : _now;
                if (ready <= _now || !IsOutThereShoal(t.Cid, p.Id))
                {
                    found = t;
                    peer = p;
                    break;
                }
                if (_shoalDeferredUntil is not { } d || ready < d) _shoalDeferredUntil = ready;
            }
        }
        return found;
    }

    private void NoteUploadedShoal(Cid cid, PeerId to)
    {
        if (_shoalUploadedTo.Count >= BitswapDefaults.ShoalUploadedMemory && !_shoalUploadedTo.ContainsKey(cid)) _shoalUploadedTo.Clear();
        var firstAt = _shoalUploadedTo.TryGetValue(cid, out var earlier) ? earlier.FirstAt : _now;
        if (firstAt == _now) _shoalLastFreshAt = _now;
        _shoalUploadedTo[cid] = new ShoalUpload(to, firstAt, null);
    }

    private void EnqueueEnvelopeShoal(PeerState p, BitswapMessage msg)
    {
        var blocks = msg.Blocks.Count == 0 ? [] : new Cid[msg.Blocks.Count];
        for (int i = 0; i < blocks.Length; i++) blocks[i] = msg.Blocks[i].Cid;
        p.ShoalEnvelopeBlocks.Enqueue(blocks);
    }

    /// <summary>An envelope to <paramref name="to"/> was written: its blocks' copies have left.</summary>
    private void NoteWrittenShoal(Cid[] blocks, PeerId to)
    {
        foreach (var cid in blocks)
        {
            if (_shoalUploadedTo.TryGetValue(cid, out var up) && up.To.Equals(to) && up.WrittenAt is null)
                _shoalUploadedTo[cid] = up with { WrittenAt = _now };
        }
    }
}

/// <summary>Which of a peer's queued answers <see cref="BitswapEngine"/>'s envelope may take.</summary>
internal enum ShoalTaskPick
{
    /// <summary>boxo's order: the queue head.</summary>
    Head,

    /// <summary>Shoal: presence answers, then blocks not uploaded yet (or deferred long enough).</summary>
    FreshOnly,

    /// <summary>Shoal: presence answers, then any block.</summary>
    Any,
}
