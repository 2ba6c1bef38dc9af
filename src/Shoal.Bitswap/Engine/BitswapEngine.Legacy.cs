namespace Shoal.Bitswap;

// Bitswap 1.1 as go-bitswap ran it before PR 189 (the seed blog's "old Bitswap"): no want-have, HAVE or DONT_HAVE.
// A session keeps 32 wants live (4 while it knows no peer, sent as want-block to everyone); each live want goes as a
// want-block to one group of the session's peers, the groups being a split of its (at most 32, fastest first) peers.
// The split grows while more than 40% of received blocks are duplicates and shrinks while fewer than 20% are: that is
// how the old client traded duplicates for speed. Peers join a session by sending it a block or as providers.
public sealed partial class BitswapEngine
{
    private void SendSessionWantsLegacy(ClientSession s)
    {
        foreach (var w in s.Pending)
        {
            w.Dirty = false;
            if (!w.New) continue;
            w.New = false;
            s.LegacyToFetch.Enqueue(w);
        }
        s.Pending.Clear();

        bool targeted = s.Peers.Count > 0;
        int limit = targeted ? BitswapDefaults.LegacyTargetedLiveWants : BitswapDefaults.LegacyBroadcastLiveWants;
        var live = new List<SessionWant>();
        while (s.LegacyLiveCount < limit && s.LegacyToFetch.TryDequeue(out var w))
        {
            if (!s.Wants.TryGetValue(w.Cid, out var current) || !ReferenceEquals(current, w)) continue;
            w.LegacyLive = true;
            w.LiveSince = _now;
            s.LegacyLiveCount++;
            live.Add(w);
        }
        if (live.Count == 0) return;
        if (!targeted)
        {
            foreach (var w in live) BroadcastWant(s, w);
            return;
        }

        var peers = LegacyPeerOrder(s);
        int peerGroups = Math.Min(s.LegacySplit, peers.Count);
        int keyGroups = Math.Min(peerGroups, live.Count);
        for (int i = 0; i < live.Count; i++)
        {
            var w = live[i];
            for (int j = i % keyGroups; j < peers.Count; j += peerGroups)
            {
                if (SendWant(peers[j], w.Cid, WantType.Block, w.Priority, sendDontHave: false, broadcast: false)) s.Stats.WantBlocksSent++;
            }
        }
    }

    /// <summary>go-bitswap's optimized peers: those with a measured latency, fastest first, then the others in
    /// random order; at most <see cref="BitswapDefaults.LegacyMaxSessionPeers"/>.</summary>
    private List<PeerState> LegacyPeerOrder(ClientSession s)
    {
        var timed = new List<PeerState>();
        var untimed = new List<PeerState>();
        foreach (var p in s.Peers) (p.LatencySamples > 0 ? timed : untimed).Add(p);
        timed.Sort(static (a, b) => a.LatencyEwmaSeconds.CompareTo(b.LatencyEwmaSeconds));
        for (int i = untimed.Count - 1; i > 0; i--)
        {
            int j = _random.Next(i + 1);
            (untimed[i], untimed[j]) = (untimed[j], untimed[i]);
        }
        timed.AddRange(untimed);
        if (timed.Count > BitswapDefaults.LegacyMaxSessionPeers) timed.RemoveRange(BitswapDefaults.LegacyMaxSessionPeers, timed.Count - BitswapDefaults.LegacyMaxSessionPeers);
        return timed;
    }

    /// <summary>A live want left the session: its slot goes to the next queued want.</summary>
    private void LegacyWantGone(ClientSession s, SessionWant w)
    {
        if (!w.LegacyLive) return;
        w.LegacyLive = false;
        s.LegacyLiveCount--;
        QueueSessionSend(s);
    }

    /// <summary>The splitter's bookkeeping: a block the session wanted (<paramref name="duplicate"/> false) or one
    /// it already had.</summary>
    private static void LegacyRecordBlock(ClientSession s, bool duplicate)
    {
        s.LegacyReceived++;
        if (duplicate)
        {
            s.LegacyDuplicates++;
            if (s.LegacyReceived > BitswapDefaults.LegacyMinReceivedToAdjustSplit
                && s.LegacyDuplicates > BitswapDefaults.LegacyMaxAcceptableDupes * s.LegacyReceived
                && s.LegacySplit < BitswapDefaults.LegacyMaxSplit)
            {
                s.LegacySplit++;
            }
        }
        else if (s.LegacySplit > 1 && s.LegacyDuplicates < BitswapDefaults.LegacyMinDupesToTryLessSplits * s.LegacyReceived)
        {
            s.LegacySplit--;
        }
    }
}
