using Shoal.Core;

namespace Shoal.Bitswap;

// Shoal (issue 9): fewer control messages per block. Every leecher subscribes (want-have, no DONT_HAVE) at every
// session peer, so each pair of leechers holds two subscriptions per block, and the first of the two to get the block
// pushes a HAVE to the other. That HAVE also ends the pusher's own subscription at the other (a peer that says HAVE
// does not want the block), and the other's subscription at the pusher ended when that HAVE was sent (boxo and Shoal
// servers drop a want-have once they answer HAVE): so no cancel is needed for either. On image-32 a leecher received
// ~33,000 cancel entries (1.3 MB) in the busy phase; now ~200.
public sealed partial class BitswapEngine
{
    /// <summary>Server: a peer that tells us HAVE for a block (or sends it to us) holds it, so it no longer wants it:
    /// its want (a subscription) is dropped now, without waiting for its cancel, and we push it no HAVE for it.</summary>
    private void DropWantsOfHoldersShoal(PeerLedger ledger, BitswapMessage msg)
    {
        if (ledger.Wants.Count == 0) return;
        foreach (var bp in msg.BlockPresences)
        {
            if (bp.Type == BlockPresenceType.Have && ledger.Wants.ContainsKey(bp.Cid)) CancelPeerWant(ledger, bp.Cid);
        }
        foreach (var b in msg.Blocks)
        {
            if (ledger.Wants.ContainsKey(b.Cid)) CancelPeerWant(ledger, b.Cid);
        }
    }

    /// <summary>Client, a block arrived: our want-have at <paramref name="p"/> needs no cancel when the peer already
    /// answered it with HAVE (a 1.2 server drops a want-have once its HAVE is sent), or when our server has a HAVE for
    /// the block queued for <paramref name="p"/> (it subscribed here too), which ends our subscription there
    /// (<see cref="DropWantsOfHoldersShoal"/>; a server that does not do that, boxo, keeps our want-have until it gets
    /// the block, then pushes us one HAVE and drops it).</summary>
    private bool SubscriptionEndsWithoutCancelShoal(PeerState p, Cid cid, SentWant sw)
    {
        if (!p.SupportsHave) return false;
        if (sw.SaidHave) return true;
        return p.Ledger.Pending.TryGetValue(cid, out var task) && task.Kind == ServerTaskKind.SendHave;
    }

    /// <summary>Server, a block just became local and a HAVE push for it is queued for subscriber <paramref name="p"/>: if
    /// <paramref name="p"/> ranks before us for the block in the tree's rendezvous order, it most likely got the block at
    /// the same moment (the tree hands a block to 2, then 6, then 18 peers at once), and its HAVE to us is on its way; the
    /// push waits <see cref="BitswapDefaults.ShoalCrossingHaveWait"/>, and that HAVE, arriving first, removes it
    /// (<see cref="DropWantsOfHoldersShoal"/>). Peers ranked after us hear at once: they are the ones still to fetch it.
    /// Only with at least <see cref="BitswapDefaults.ShoalCrossingMinPeers"/> peers: in a small swarm no tree forms.</summary>
    private void HoldCrossingHaveShoal(PeerState p, Cid cid)
    {
        if (_peerList.Count < BitswapDefaults.ShoalCrossingMinPeers) return;
        if (!p.Ledger.Pending.TryGetValue(cid, out var task) || task.Kind != ServerTaskKind.SendHave || task.QueuedAt != _now) return;
        if (_shoalSelfKey == 0) _shoalSelfKey = StableKeyShoal(Self.Bytes.Span);
        if (p.ShoalKey == 0) p.ShoalKey = StableKeyShoal(p.Id.Bytes.Span);
        ulong key = StableKeyShoal(cid.Bytes.Span);
        if (MixShoal(key ^ p.ShoalKey) > MixShoal(key ^ _shoalSelfKey)) task.NotBefore = _now + BitswapDefaults.ShoalCrossingHaveWait;
    }
}
