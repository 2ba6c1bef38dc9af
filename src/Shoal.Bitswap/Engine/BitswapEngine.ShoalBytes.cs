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
}
