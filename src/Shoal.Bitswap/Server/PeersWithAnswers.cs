namespace Shoal.Bitswap;

/// <summary>
/// The peers whose ledger has answers queued, in connection order (the order of the engine's peer list, which the
/// send decision walks). A seeder has a thousand peers and decides after every message it receives; walking only
/// these instead of every peer made that decision cheap, with the same choice (same peers, same order).
/// Kept in step by <see cref="PeerLedger"/>.
/// </summary>
internal sealed class PeersWithAnswers
{
    private readonly List<PeerState> _peers = [];

    /// <summary>The peers, by <see cref="PeerState.Ordinal"/> (a List, so walking it allocates nothing). Read only;
    /// the set must not change while it is walked.</summary>
    public List<PeerState> InConnectionOrder => _peers;

    public int Count => _peers.Count;

    public void Add(PeerState peer)
    {
        int i = IndexOf(peer.Ordinal);
        if (i < 0) _peers.Insert(~i, peer);
    }

    public void Remove(PeerState peer)
    {
        int i = IndexOf(peer.Ordinal);
        if (i >= 0) _peers.RemoveAt(i);
    }

    public bool Contains(PeerState peer) => IndexOf(peer.Ordinal) >= 0;

    private int IndexOf(long ordinal)
    {
        int lo = 0, hi = _peers.Count - 1;
        // Peers mostly join in connection order: check the end first.
        if (hi >= 0 && _peers[hi].Ordinal < ordinal) return ~(hi + 1);
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            long m = _peers[mid].Ordinal;
            if (m == ordinal) return mid;
            if (m < ordinal) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }
}
