using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

// Shoal's client strategy (issue 9), all in standard Bitswap 1.2 messages:
// - every want goes as a want-have (no DONT_HAVE asked) to every session peer once; the peer keeps it as a
//   subscription and pushes a HAVE the moment it gets the block, so each leecher knows who holds what;
// - want-blocks go out only as fast as each peer answers them (a window sized to its bandwidth-delay
//   product); when a window opens the peer is asked for the rarest block it holds (DAG inner nodes first),
//   so leechers fill each other's gaps and the seeder is asked for blocks nobody else has yet;
// - a block few peers hold spreads as a tree: only 2 × holders of the peers lacking it (the same ones on every
//   node, by rendezvous hashing) ask for it at once, the others fetch other blocks meanwhile;
// - a want sitting at a peer that holds everything (a seeder) moves to a leecher as soon as one says HAVE;
// - nothing can wait forever: a want whose peer fell silent goes back to the pool, and the idle tick
//   re-asks every peer about wants nobody holds.
public sealed partial class BitswapEngine
{
    private bool _shoalAssignNeeded;

    /// <summary>While a received block's links become wants: the peer that sent it.</summary>
    private PeerState? _shoalParentFrom;
    private readonly List<PeerState> _shoalOpen = [];
    private readonly List<PeerState> _shoalSeeders = [];

    /// <summary>New and re-queued wants of a session with peers: presence questions out, wants into the pool.</summary>
    private void SendSessionWantsShoal(ClientSession s)
    {
        _shoalEverFetched = true;
        var pending = s.Pending;
        foreach (var w in pending)
        {
            w.Dirty = false;
            bool isNew = w.New;
            w.New = false;
            if (!s.Wants.ContainsKey(w.Cid)) continue;
            w.LiveSince ??= _now;
            if (isNew)
            {
                w.ShoalRank = _random.Next();
                w.ShoalKey = StableKeyShoal(w.Cid.Bytes.Span);
                foreach (var p in s.Peers)
                {
                    if (s.ShoalPresumed.TryGetValue(p.Id, out var presumed)) PresumeShoal(s, w, p, presumed);
                    else AskPresenceShoal(s, w, p);
                }
            }
            if (w.SentTo is null) QueueUnassignedShoal(s, w);
        }
        pending.Clear();
    }

    /// <summary>A want-have without DONT_HAVE: the peer answers HAVE now, or later when it gets the block.</summary>
    private void AskPresenceShoal(ClientSession s, SessionWant w, PeerState p)
    {
        if (!p.SupportsHave || w.PresenceOf(p.Id) != Presence.Unknown) return;
        if (SendWant(p, w.Cid, WantType.Have, w.Priority, sendDontHave: false, broadcast: false)) s.Stats.WantHavesSent++;
    }

    private void QueueUnassignedShoal(ClientSession s, SessionWant w)
    {
        _shoalAssignNeeded = true;
        if (w.Queued) return;
        w.Queued = true;
        s.Unassigned.Add(w);
        // A want back in the pool may be the best one for peers that found nothing to do before.
        foreach (var p in s.Peers) p.ShoalEmpty = false;
    }

    /// <summary>A peer has room for one more want-block: the peer's window opened.</summary>
    private void OnShoalWindowOpened(PeerState p) => _shoalAssignNeeded = true;

    /// <summary>Shoal's HAVE handling: record it, bring the peer into the session, and hand it the want at once if
    /// it has room and nothing better to do, or take the want from a seeder that has not served it yet.</summary>
    private void OnPeerHasShoal(PeerState p, Cid cid)
    {
        if (!_interest.TryGetValue(cid, out var sessions))
        {
            JoinSessionsThatSaw(p, cid);
            return;
        }
        foreach (var s in sessions)
        {
            if (!s.Wants.TryGetValue(cid, out var w)) continue;
            if (!s.PeerSet.Contains(p.Id)) AddPeerToSession(s, p);
            SetPresence(s, w, p.Id, Presence.Have);
            if (s.ShoalPresumed.TryGetValue(p.Id, out var presumedOf)) presumedOf.Remove(cid);
            else if (s.Links is not null && w.Depth == 0 && !p.ShoalAskedUs) StartPresumingShoal(s, p);
            w.Exhausted = false;
            if (w.New) continue; // goes through the pool with its batch
            if (w.SentTo is { } holder && !ReferenceEquals(holder, p) && IsSeederShoal(s, holder) && p.ShoalAskedUs
                && (NearShoal(p) || !NearShoal(holder)))
            {
                // The seeder's upload is the scarce resource: a block a leecher now holds should come from the leecher.
                UnassignShoal(s, w, holder, cancel: true);
            }
            if (w.SentTo is null)
            {
                QueueUnassignedShoal(s, w);
                if (p.ShoalEmpty)
                {
                    // It had nothing we wanted: this want is the best it can do now, or the first when its window opens.
                    // The tree rule (TreeTurnShoal) does not hold it back: a holder idle for us is better used at once
                    // (applying the rule here too: image-32 2.877 s mean over seeds 42/1/2/3, against 2.823 s).
                    if (HasRoomShoal(p) && RegionTurnShoal(s, w, p)) AssignShoal(s, w, p);
                    else p.ShoalEmpty = false;
                }
            }
        }
    }

    /// <summary>DONT_HAVE (or a timeout standing for one): the want goes back to the pool.</summary>
    private void OnPeerDoesNotHaveShoal(PeerState p, Cid cid)
    {
        if (!_interest.TryGetValue(cid, out var sessions)) return;
        foreach (var s in sessions)
        {
            if (!s.Wants.TryGetValue(cid, out var w)) continue;
            SetPresence(s, w, p.Id, Presence.DontHave);
            if (ReferenceEquals(w.SentTo, p)) UnassignShoal(s, w, p, cancel: false);
            StopPresumingShoal(s, p);
        }
    }

    /// <summary>Peer <paramref name="p"/>, which never asked us for anything, said HAVE for the root of the DAG the session
    /// walks: it is taken to hold the whole DAG (a seeder), so the session's wants are recorded as held by it without
    /// asking it each one (no want-haves to it, no HAVE answers taking its uplink: on image-32 the seeder's answers to
    /// the leechers' first want-haves were 1.46 MB, ~12 ms of its uplink, and 23 of 32 leechers waited for them until
    /// 36 ms before asking it for a first leaf).</summary>
    private void StartPresumingShoal(ClientSession s, PeerState p)
    {
        var presumed = new HashSet<Cid>();
        s.ShoalPresumed.Add(p.Id, presumed);
        foreach (var w in s.Wants.Values)
        {
            if (!w.New) PresumeShoal(s, w, p, presumed);
        }
    }

    private void PresumeShoal(ClientSession s, SessionWant w, PeerState p, HashSet<Cid> presumed)
    {
        if (w.PresenceOf(p.Id) != Presence.Unknown || p.SentWants.ContainsKey(w.Cid)) return;
        SetPresence(s, w, p.Id, Presence.Have);
        presumed.Add(w.Cid);
        if (w.SentTo is null && !w.New) QueueUnassignedShoal(s, w);
    }

    /// <summary>A presumed holder said DONT_HAVE (or asked us for a block): the wants presumed of it are asked again.</summary>
    private void StopPresumingShoal(ClientSession s, PeerState p)
    {
        if (!s.ShoalPresumed.Remove(p.Id, out var presumed)) return;
        foreach (var cid in presumed)
        {
            if (!s.Wants.TryGetValue(cid, out var w) || w.PresenceOf(p.Id) != Presence.Have || ReferenceEquals(w.SentTo, p)) continue;
            SetPresence(s, w, p.Id, Presence.Unknown);
            AskPresenceShoal(s, w, p);
        }
    }

    /// <summary>Takes a want-block back from a peer and puts the want in the pool.</summary>
    private void UnassignShoal(ClientSession s, SessionWant w, PeerState p, bool cancel)
    {
        if (cancel && p.SentWants.Remove(w.Cid, out var sw))
        {
            ReleaseOutstanding(p, sw);
            if (p.Connected) SendCancel(p, w.Cid);
        }
        w.SentTo = null;
        QueueUnassignedShoal(s, w);
    }

    /// <summary>A new session peer hears every want (as a want-have) and may serve the waiting ones.</summary>
    private void OnPeerAddedShoal(ClientSession s, PeerState p)
    {
        foreach (var w in s.Wants.Values)
        {
            if (!w.New) AskPresenceShoal(s, w, p);
        }
        p.ShoalEmpty = false;
        _shoalAssignNeeded = true;
        if (s.Pending.Count > 0) QueueSessionSend(s); // wants that waited for a first peer go out now
    }

    /// <summary>A seeder: holds every block the session still needs and never asked us for any (a leecher that
    /// finished is not one: moving wants between leechers gains nothing and risks duplicates).</summary>
    private static bool IsSeederShoal(ClientSession s, PeerState p)
        => !p.ShoalAskedUs && s.PeerHaves.GetValueOrDefault(p.Id) >= s.Wants.Count;

    private bool HasRoomShoal(PeerState p) => p.Connected && CountedWantBlocksShoal(p) < ShoalWindow(p);

    /// <summary>Our want-blocks that fill <paramref name="p"/>'s window. At a peer that never asked us for anything (a
    /// seeder), up to <see cref="BitswapDefaults.ShoalSeederQueuedAllowance"/> of those it reports queued for us (the 1.2
    /// message's pendingBytes, in blocks) do not count: a seeder queues a block it already uploaded to another peer until
    /// that peer's HAVE moves our want, and meanwhile the slot would hold no transfer while blocks only the seeder has
    /// wait to be asked for (image-32: in the last 0.1 s before the seeder's last unique block up to 40 of the leechers'
    /// 64 seeder slots held such wants, and the seeder ran 15-42 transfers instead of 64).</summary>
    private int CountedWantBlocksShoal(PeerState p)
    {
        int outstanding = p.OutstandingWantBlocks;
        if (p.ShoalAskedUs || p.RemotePendingBytes <= 0) return outstanding;
        long queued = p.RemotePendingBytes / Math.Max(1, (long)_averageBlockSize);
        return outstanding - (int)Math.Min(queued, BitswapDefaults.ShoalSeederQueuedAllowance);
    }

    /// <summary>Fills every open window, poorest peers first (so blocks leechers hold are taken from them and a
    /// seeder's window goes to blocks only it has), each with the rarest want the peer holds.</summary>
    private void AssignAllShoal()
    {
        AssignOpenWindowsShoal();
        if (_shoalTreeRetry is { } retry)
        {
            // Wants left out by the tree rule: look again when its wait runs out, even if no HAVE comes meanwhile.
            _shoalTreeRetry = null;
            _shoalTreeTimer ??= new CoreTimer(_ =>
            {
                _shoalAssignNeeded = true;
                foreach (var q in _peerList) q.ShoalEmpty = false;
            });
            _timers.ScheduleNoLater(_shoalTreeTimer, retry);
        }
    }

    private void AssignOpenWindowsShoal()
    {
        if (!_shoalAssignNeeded) return;
        _shoalAssignNeeded = false;
        bool anyWaiting = false;
        foreach (var s in _sessions.Values)
        {
            CompactUnassigned(s);
            anyWaiting |= s.Unassigned.Count > 0;
        }
        if (!anyWaiting) return;
        var open = _shoalOpen;
        open.Clear();
        foreach (var p in _peerList)
        {
            if (!p.ShoalEmpty && HasRoomShoal(p)) open.Add(p);
        }
        if (open.Count == 0) return;
        foreach (var p in open) p.ShoalRichness = RichnessShoal(p);
        open.Sort(static (a, b) => a.ShoalRichness != b.ShoalRichness ? a.ShoalRichness.CompareTo(b.ShoalRichness) : a.Tiebreak.CompareTo(b.Tiebreak));
        foreach (var p in open)
        {
            while (HasRoomShoal(p))
            {
                var (s, w) = RarestHeldBy(p);
                if (w is null)
                {
                    p.ShoalEmpty = true; // woken again by its next HAVE or by a want coming back to the pool
                    break;
                }
                AssignShoal(s!, w, p);
            }
        }
    }

    private TimeSpan? _shoalTreeRetry;
    private CoreTimer? _shoalTreeTimer;

    private double RichnessShoal(PeerState p)
    {
        double have = 0, wants = 0;
        foreach (var s in _sessions.Values)
        {
            if (!s.PeerSet.Contains(p.Id)) continue;
            have += s.PeerHaves.GetValueOrDefault(p.Id);
            wants += s.Wants.Count;
        }
        return wants > 0 ? have / wants : 0;
    }

    private static void CompactUnassigned(ClientSession s)
    {
        var list = s.Unassigned;
        int write = 0;
        for (int i = 0; i < list.Count; i++)
        {
            var w = list[i];
            if (w.SentTo is not null || !s.Wants.TryGetValue(w.Cid, out var cur) || !ReferenceEquals(cur, w)) w.Queued = false;
            else list[write++] = w;
        }
        list.RemoveRange(write, list.Count - write);
    }

    /// <summary>The waiting want <paramref name="p"/> should serve: inner DAG nodes first, then the fewest holders,
    /// then this node's random order (so leechers starting together ask for different blocks). A peer that
    /// cannot say HAVE (1.0/1.1) is asked for wants nobody is known to hold.</summary>
    private (ClientSession? Session, SessionWant? Want) RarestHeldBy(PeerState p)
    {
        ClientSession? bestS = null;
        SessionWant? best = null;
        foreach (var s in _sessions.Values)
        {
            if (s.Closed || !s.PeerSet.Contains(p.Id)) continue;
            bool seeder = IsSeederShoal(s, p);
            var seeders = _shoalSeeders;
            seeders.Clear();
            if (seeder)
            {
                foreach (var q in s.Peers)
                {
                    if (!q.ShoalAskedUs) seeders.Add(q); // every peer that is not fetching counts as a seeder here
                }
            }
            var list = s.Unassigned;
            for (int i = 0; i < list.Count; i++)
            {
                var w = list[i];
                if (w.SentTo is not null) continue;
                var pr = w.PresenceOf(p.Id);
                // An inner node (or any block while the session has not seen a leaf) may go to the peer that sent its
                // parent before that peer's HAVE comes back: discovering each DAG level by want-have, HAVE, want-block
                // cost a round trip more per level (three-regions: 8.8 -> 8.3 s; for leaves it only piled them on the
                // seeder: image-32 2.97 s).
                bool candidate = pr == Presence.Have
                    || (pr == Presence.Unknown && (w.ShoalProbe || (ReferenceEquals(w.ShoalParentFrom, p) && w.Depth < s.ShoalLeafDepth)))
                    || (!p.SupportsHave && w.HaveCount == 0 && pr != Presence.DontHave);
                if (!candidate) continue;
                if (pr == Presence.Have && !TreeTurnShoal(s, w)) continue;
                if (pr == Presence.Have && !RegionTurnShoal(s, w, p)) continue;
                // A seeder is asked only for blocks no leecher holds yet (the rest come from leechers), and only for
                // its share of them when several seeders hold the block.
                if (seeder && !IsSeederChoiceShoal(seeders, w, p) && !NearSeederChoiceShoal(seeders, w, p)) continue;
                if (best is null || (seeder ? BeforeAtSeederShoal(w, s, best, bestS!) : BeforeShoal(w, s, best, bestS!)))
                {
                    best = w;
                    bestS = s;
                }
            }
        }
        return (bestS, best);
    }

    /// <summary>Seeder <paramref name="p"/> should be asked for the want: no leecher holds it, and among the seeders
    /// that hold it <paramref name="p"/> ranks first for this block (rendezvous hashing on the CID and the peer id).
    /// Every leecher computes the same ranking, so all ask one seeder for a given block; that seeder sees it already
    /// uploaded the block and holds the second copy back while the first holder's HAVE moves the want. Leechers
    /// asking different seeders for one block got both copies whenever one moved the want too late (many-seeders:
    /// 1.6% duplicates).</summary>
    private static bool IsSeederChoiceShoal(List<PeerState> seeders, SessionWant w, PeerState p)
    {
        int seederHolders = 0;
        ulong mine = SeederScoreShoal(w, p);
        bool first = true;
        foreach (var q in seeders)
        {
            if (w.PresenceOf(q.Id) != Presence.Have) continue;
            seederHolders++;
            if (!ReferenceEquals(q, p) && q.Connected && SeederScoreShoal(w, q) > mine) first = false;
        }
        return first && w.HaveCount <= seederHolders;
    }

    private ulong _shoalSelfKey;

    /// <summary>This node's own rendezvous score for <paramref name="w"/>: what <see cref="SeederScoreShoal"/> gives every
    /// other node for it (the tree and region rules rank this node among its peers by it).</summary>
    private ulong SelfScoreShoal(SessionWant w)
    {
        if (_shoalSelfKey == 0) _shoalSelfKey = StableKeyShoal(Self.Bytes.Span);
        return MixShoal(w.ShoalKey ^ _shoalSelfKey);
    }

    /// <summary>A block few peers hold spreads as a tree, not a star: of the fetching peers that lack it, only the first
    /// <see cref="BitswapDefaults.ShoalTreeFanout"/> × holders (rendezvous order on the CID and peer id, the same on every
    /// node) ask for it now; the others fetch other blocks and take their turn as holders multiply. A holder serving a
    /// block to all 30 askers at once shares its uplink 30 ways, and nobody can relay it until all 30 copies are done
    /// (image-32: the last block took 0.13 s to spread from its first leecher). A seeder counts as a holder, so at the
    /// start only two leechers ask it for each block. After <see cref="BitswapDefaults.ShoalTreeWait"/> without a new
    /// holder the rule gives way (a peer ranked before us may not be fetching the block at all). It applies when a window
    /// opens at a peer that already serves us; a HAVE from a peer that had nothing for us is used at once
    /// (<see cref="OnPeerHasShoal"/>). Peers that never asked us for anything (seeders) do not count as lacking it.</summary>
    private bool TreeTurnShoal(ClientSession s, SessionWant w)
    {
        int holders = w.HaveCount;
        if (holders != w.ShoalTreeHolders)
        {
            w.ShoalTreeHolders = holders;
            w.ShoalTreeSince = _now;
            ulong mine = SelfScoreShoal(w);
            int above = 0;
            foreach (var q in s.Peers)
            {
                if (!q.ShoalAskedUs || w.PresenceOf(q.Id) == Presence.Have) continue;
                if (SeederScoreShoal(w, q) > mine) above++;
            }
            w.ShoalTreeAbove = above;
            w.ShoalTreeTurn = above < holders * BitswapDefaults.ShoalTreeFanout;
        }
        if (w.ShoalTreeTurn) return true;
        var giveWayAt = w.ShoalTreeSince + BitswapDefaults.ShoalTreeWait;
        if (_now >= giveWayAt) return true;
        if (_shoalTreeRetry is not { } r || giveWayAt < r) _shoalTreeRetry = giveWayAt;
        return false;
    }

    private static ulong MixShoal(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }

    /// <summary>A peer's rank for a block in rendezvous hashing: the same on every node.</summary>
    private static ulong SeederScoreShoal(SessionWant w, PeerState q)
    {
        if (q.ShoalKey == 0) q.ShoalKey = StableKeyShoal(q.Id.Bytes.Span);
        // splitmix64's finaliser spreads the combined keys so no peer ranks first for a run of similar CIDs.
        return MixShoal(w.ShoalKey ^ q.ShoalKey);
    }

    /// <summary>Peer <paramref name="peer"/>'s rendezvous score for <paramref name="cid"/> (the higher ranks first): what
    /// <see cref="SeederScoreShoal"/> and the tree rule compute, for tests.</summary>
    internal static ulong RendezvousScoreShoal(Cid cid, PeerId peer)
        => MixShoal(StableKeyShoal(cid.Bytes.Span) ^ StableKeyShoal(peer.Bytes.Span));

    /// <summary>FNV-1a over the bytes: a hash every node computes alike (string and HashCode hashes are per process).</summary>
    private static ulong StableKeyShoal(ReadOnlySpan<byte> bytes)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in bytes) h = (h ^ b) * 1099511628211UL;
        return h == 0 ? 1 : h;
    }

    /// <summary>Inner DAG nodes (of any session) before leaves, shallower inner nodes first; then the fewest holders;
    /// then this node's random order. Leaves of different layers rank alike whatever their depth: ranking a small
    /// layer's leaves (depth 1) before a big one's (depth 2) made every leecher fetch the same few layers first, and
    /// when those ran out the seeder had nothing fresh to send (image-32: idle 60 ms at 0.6 s).</summary>
    private static bool BeforeShoal(SessionWant a, ClientSession sa, SessionWant b, ClientSession sb)
    {
        bool aLeaf = a.Depth >= sa.ShoalLeafDepth, bLeaf = b.Depth >= sb.ShoalLeafDepth;
        if (aLeaf != bLeaf) return bLeaf;
        if (!aLeaf && a.Depth != b.Depth) return a.Depth < b.Depth;
        if (a.HaveCount != b.HaveCount) return a.HaveCount < b.HaveCount;
        return a.ShoalRank < b.ShoalRank;
    }

    /// <summary>A seeder's window takes first the blocks for which this node ranks first among the fetching peers that
    /// lack them (the tree rule lets two ask a seeder for each block; every node ranks them alike), then the usual order.
    /// The seeder sends each block to one asker and holds the other asker's want back until the first holder's HAVE moves
    /// it, so a want a peer ranked second sends is mostly a slot of its seeder window lost for a block transfer (~65 ms at
    /// a loaded seeder): at the end of image-32 over half of the leechers' seeder slots held such wants and the seeder's
    /// uplink fell to 40% while blocks only it had were still to go. Asked second, such a block still goes out if the peer
    /// ranked first never asks (its window at the seeder has room for nothing better).</summary>
    private static bool BeforeAtSeederShoal(SessionWant a, ClientSession sa, SessionWant b, ClientSession sb)
    {
        bool aFirst = a.ShoalTreeAbove == 0, bFirst = b.ShoalTreeAbove == 0;
        if (aFirst != bFirst) return aFirst;
        return BeforeShoal(a, sa, b, sb);
    }

    private void AssignShoal(ClientSession s, SessionWant w, PeerState p)
    {
        if (SendWant(p, w.Cid, WantType.Block, w.Priority, sendDontHave: true, broadcast: false))
        {
            s.Stats.WantBlocksSent++;
            w.SentTo = p;
        }
        else if (p.SentWants.TryGetValue(w.Cid, out var sw) && sw.Type == WantType.Block && !sw.Answered)
        {
            w.SentTo = p; // another session already asked this peer for it
        }
        else
        {
            // Cannot ask this peer (it answered this want-block before): treat it as not holding the block.
            SetPresence(s, w, p.Id, Presence.DontHave);
            return;
        }
        w.ShoalProbe = false;
    }

    /// <summary>Nothing arrived for a while. Wants held by a peer that is gone or no longer has our want-block go
    /// back to the pool; wants nobody is known to hold are asked about again (with DONT_HAVE this time) at every
    /// session and connected peer, and may be probed with a want-block; content routing is asked too.</summary>
    private void OnIdleTickShoal(ClientSession s)
    {
        var stuck = new List<SessionWant>();
        foreach (var w in s.Wants.Values)
        {
            if (w.New) continue;
            if (w.SentTo is { } holder)
            {
                bool live = holder.Connected && holder.SentWants.TryGetValue(w.Cid, out var sw) && sw.Type == WantType.Block && !sw.Answered;
                if (live) continue;
                UnassignShoal(s, w, holder, cancel: false);
            }
            if (HasReachableHolder(s, w)) continue;
            stuck.Add(w);
        }
        foreach (var w in stuck)
        {
            w.ShoalProbe = true;
            foreach (var p in _peerList)
            {
                if (w.PresenceOf(p.Id) == Presence.Have) continue;
                ReaskPresence(s, p, w);
            }
            QueueUnassignedShoal(s, w);
        }
        if (stuck.Count > 0 && s.ConsecutiveTicks == 0) SearchProviders(s, stuck[0].Cid);
        ResetIdleTick(s);
        s.ConsecutiveTicks++;
    }

    private static bool HasReachableHolder(ClientSession s, SessionWant w)
    {
        if (w.HaveCount == 0) return false;
        foreach (var p in s.Peers)
        {
            if (p.Connected && w.PresenceOf(p.Id) == Presence.Have) return true;
        }
        return false;
    }

    /// <summary>Asks a peer again whether it has a block, even if it was asked before (it may have it by now, or
    /// have dropped our old question from a full ledger).</summary>
    private void ReaskPresence(ClientSession s, PeerState p, SessionWant w)
    {
        if (!p.SupportsHave) return;
        if (p.SentWants.TryGetValue(w.Cid, out var sw))
        {
            if (sw.Type == WantType.Block && !sw.Answered) return;
            ReleaseOutstanding(p, sw);
            p.SentWants.Remove(w.Cid);
        }
        if (w.PresenceOf(p.Id) == Presence.DontHave) SetPresence(s, w, p.Id, Presence.Unknown);
        SendWant(p, w.Cid, WantType.Have, w.Priority, sendDontHave: true, broadcast: false);
    }

    /// <summary>Until a peer's rate is measured we assume a 100 Mbit/s share.</summary>
    private const double AssumedRate = 12.5e6;

    /// <summary>Want-blocks to keep in flight at <paramref name="p"/>: its bandwidth-delay product in blocks, times
    /// the gain, plus one.</summary>
    private int ShoalWindow(PeerState p)
    {
        if (EndgameWindowShoal(p)) return 1;
        if (p.RateBytesPerSecond <= 0 || p.MinLatencySeconds == double.MaxValue) return Options.ShoalInitialWindow;
        double bdp = p.RateBytesPerSecond * p.MinLatencySeconds * Options.ShoalWindowGain;
        int blocks = (int)Math.Ceiling(bdp / Math.Max(1, _averageBlockSize)) + 1;
        return Math.Clamp(blocks, Options.ShoalMinWindow, Options.ShoalMaxWindow);
    }

    /// <summary>In a large swarm, once this node wants at most <see cref="BitswapDefaults.ShoalEndgameWants"/> blocks, a
    /// peer that is still fetching (it wants something from us) gets one want-block at a time: a second one would wait
    /// behind the first on its connection while another holder may be free.</summary>
    private bool EndgameWindowShoal(PeerState p)
    {
        return _peerList.Count >= BitswapDefaults.ShoalLargeSwarmPeers && p.ShoalAskedUs && p.Ledger.Wants.Count > 0
            && _interest.Count <= BitswapDefaults.ShoalEndgameWants;
    }

    /// <summary>The round trip of this node's nearest peer (its region's scale), recomputed when a path is measured or a
    /// peer comes or goes.</summary>
    private TimeSpan? NearestPathShoal()
    {
        if (!_shoalNearestStale) return _shoalNearest;
        TimeSpan? min = null;
        foreach (var q in _peerList)
        {
            if (q.Connected && q.PathRoundTrip is { } rtt && (min is null || rtt < min)) min = rtt;
        }
        _shoalNearest = min;
        _shoalNearestStale = false;
        return min;
    }

    private TimeSpan? _shoalNearest;
    private bool _shoalNearestStale = true;

    /// <summary>In this node's region as far as path round trips tell; a peer whose round trip is unknown is near (so
    /// nothing changes where no path is measured).</summary>
    private bool NearShoal(PeerState q) => NearShoal(q, NearestPathShoal());

    private static bool NearShoal(PeerState q, TimeSpan? nearest)
    {
        if (nearest is not { } n || q.PathRoundTrip is not { } rtt) return true;
        var limit = TimeSpan.FromTicks(Math.Max(n.Ticks * BitswapDefaults.ShoalFarFactor, (n + BitswapDefaults.ShoalFarExtra).Ticks));
        return rtt <= limit;
    }

    /// <summary>Region rule: a far holder is asked for a block only when no near peer holds it and, among the near peers
    /// that still want it from us (their want-have subscriptions here), this node ranks first (rendezvous order, the same
    /// on every node); the others wait for its HAVE and fetch inside the region. After
    /// <see cref="BitswapDefaults.ShoalRegionWait"/> without that, this node asks across itself. On three-regions each
    /// block crossed into a region ~4 times (once per leecher there, for a quarter of them) without it.</summary>
    private bool RegionTurnShoal(ClientSession s, SessionWant w, PeerState p)
    {
        var nearest = NearestPathShoal();
        if (NearShoal(p, nearest)) return true;
        ulong mine = SelfScoreShoal(w);
        bool before = false;
        foreach (var q in s.Peers)
        {
            if (!q.Connected || !NearShoal(q, nearest)) continue;
            if (w.PresenceOf(q.Id) == Presence.Have) return false; // fetch it inside the region
            if (!before && q.ShoalAskedUs && q.Ledger.Wants.ContainsKey(w.Cid) && SeederScoreShoal(w, q) > mine) before = true;
        }
        if (!before)
        {
            w.ShoalRegionSince = null;
            return true;
        }
        w.ShoalRegionSince ??= _now;
        var giveWayAt = w.ShoalRegionSince.Value + BitswapDefaults.ShoalRegionWait;
        if (_now >= giveWayAt) return true;
        if (_shoalTreeRetry is not { } r || giveWayAt < r) _shoalTreeRetry = giveWayAt;
        return false;
    }

    /// <summary>A near seeder may be asked for a block that only far leechers hold (the block should not cross back):
    /// among the near seeders holding it, the one that ranks first.</summary>
    private bool NearSeederChoiceShoal(List<PeerState> seeders, SessionWant w, PeerState p)
    {
        var nearest = NearestPathShoal();
        if (nearest is null || !NearShoal(p, nearest)) return false;
        ulong mine = SeederScoreShoal(w, p);
        foreach (var q in seeders)
        {
            if (ReferenceEquals(q, p) || w.PresenceOf(q.Id) != Presence.Have) continue;
            if (q.Connected && NearShoal(q, nearest) && SeederScoreShoal(w, q) > mine) return false;
        }
        foreach (var kv in w.Presence)
        {
            if (kv.Value != Presence.Have || !_peers.TryGetValue(kv.Key, out var q) || !q.ShoalAskedUs) continue;
            if (q.Connected && NearShoal(q, nearest)) return false;
        }
        return true;
    }
}
