namespace Shoal.Bitswap;

// Shoal's client strategy (issue 9): want-blocks go out only as fast as each peer can answer them (a window
// sized to its bandwidth-delay product), so the rest stay free to go to whichever peer has the block by the
// time a window opens; that is what lets leechers serve each other instead of all queueing at the seeder.
public sealed partial class BitswapEngine
{
    private void QueueShoalAssignments()
    {
        foreach (var s in _sessions.Values)
        {
            if (s.AssignPending && s.Unassigned.Count > 0 && s.Peers.Count > 0) QueueSessionSend(s);
        }
    }

    private void SendSessionWantsShoal(ClientSession s)
    {
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
                // Presence questions are cheap and tell us where each block is; ask every session peer.
                foreach (var p in s.Peers)
                {
                    if (w.PresenceOf(p.Id) != Presence.Unknown) continue;
                    if (SendWant(p, w.Cid, WantType.Have, w.Priority, sendDontHave: true, broadcast: false)) s.Stats.WantHavesSent++;
                }
            }
            if (w.SentTo is null && !w.Exhausted && !w.Queued)
            {
                w.Queued = true;
                s.Unassigned.Add(w);
                s.AssignPending = true;
            }
        }
        pending.Clear();
        AssignShoal(s);
    }

    /// <summary>Hands waiting wants to peers with room in their window, best source first. Costs
    /// O(waiting wants × peers with room), and runs only when something changed.</summary>
    private void AssignShoal(ClientSession s)
    {
        if (!s.AssignPending) return;
        s.AssignPending = false;
        var open = _openPeers;
        open.Clear();
        foreach (var p in s.Peers)
        {
            if (p.OutstandingWantBlocks < ShoalWindow(p)) open.Add(p);
        }
        var list = s.Unassigned;
        // Rarest first: wants only one peer can serve go before those several can, so a seeder's window
        // slots go to blocks nobody else has yet. Two passes keep it O(n) (no sort per input).
        for (int pass = 0; pass < 2 && open.Count > 0; pass++) AssignPass(s, list, open, rareOnly: pass == 0);
        int write = 0;
        for (int i = 0; i < list.Count; i++)
        {
            var w = list[i];
            if (w.SentTo is not null || w.Exhausted || !s.Wants.ContainsKey(w.Cid)) w.Queued = false;
            else list[write++] = w;
        }
        list.RemoveRange(write, list.Count - write);
    }

    private void AssignPass(ClientSession s, List<SessionWant> list, List<PeerState> open, bool rareOnly)
    {
        for (int i = 0; i < list.Count && open.Count > 0; i++)
        {
            var w = list[i];
            if (w.SentTo is not null || w.Exhausted || !s.Wants.ContainsKey(w.Cid)) continue;
            if (rareOnly && w.HaveCount > 1) continue;
            if (ChooseShoalPeer(s, w, open) is { } best)
            {
                if (SendWant(best, w.Cid, WantType.Block, w.Priority, sendDontHave: true, broadcast: false))
                {
                    s.Stats.WantBlocksSent++;
                    w.SentTo = best;
                }
                else if (best.SentWants.TryGetValue(w.Cid, out var sw) && sw.Type == WantType.Block && !sw.Answered)
                {
                    w.SentTo = best;
                }
                if (w.SentTo is not null && best.OutstandingWantBlocks >= ShoalWindow(best)) open.Remove(best);
            }
        }
    }

    private readonly List<PeerState> _openPeers = [];

    /// <summary>Among peers with room: those that said HAVE (or, when nobody did, those that have not said
    /// DONT_HAVE), the one expected to deliver first given what it already has in flight for us.</summary>
    private PeerState? ChooseShoalPeer(ClientSession s, SessionWant w, List<PeerState> open)
    {
        double wants = Math.Max(1, s.Wants.Count);
        var wanted = w.HaveCount > 0 ? Presence.Have : Presence.Unknown;
        PeerState? best = null;
        double bestEta = double.MaxValue;
        foreach (var p in open)
        {
            if (w.PresenceOf(p.Id) != wanted) continue;
            double rate = p.RateBytesPerSecond > 0 ? p.RateBytesPerSecond : AssumedRate;
            double richness = Math.Min(1.0, s.PeerHaves.GetValueOrDefault(p.Id) / wants);
            double eta = (p.OutstandingWantBlocks + 1 + Options.ShoalRichnessPenalty * richness) * _averageBlockSize / rate
                + _random.NextDouble() * 1e-9;
            if (eta < bestEta)
            {
                bestEta = eta;
                best = p;
            }
        }
        return best;
    }

    /// <summary>Until a peer's rate is measured we assume a 100 Mbit/s share.</summary>
    private const double AssumedRate = 12.5e6;

    /// <summary>Want-blocks to keep in flight at <paramref name="p"/>: its bandwidth-delay product in blocks, times
    /// the gain, plus one.</summary>
    private int ShoalWindow(PeerState p)
    {
        if (p.RateBytesPerSecond <= 0 || p.MinLatencySeconds == double.MaxValue) return Options.ShoalInitialWindow;
        double bdp = p.RateBytesPerSecond * p.MinLatencySeconds * Options.ShoalWindowGain;
        int blocks = (int)Math.Ceiling(bdp / Math.Max(1, _averageBlockSize)) + 1;
        return Math.Clamp(blocks, Options.ShoalMinWindow, Options.ShoalMaxWindow);
    }
}
