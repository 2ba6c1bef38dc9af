using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>A want a peer told us about; it stays (a subscription) until served or cancelled.</summary>
internal sealed class LedgerWant(Cid cid, WantType type, int priority, bool sendDontHave)
{
    public readonly Cid Cid = cid;
    public WantType Type = type;

    /// <summary>Changed only through <see cref="PeerLedger.SetPriority"/>: it keys the ledger's eviction order.</summary>
    public int Priority = priority;

    public bool SendDontHave = sendDontHave;

    // Kept by LedgerEvictionOrder: the want's dictionary entry slot and its positions in the two heaps (-1: not in it).
    internal int Slot;
    internal int AllIndex = -1;
    internal int AbsentIndex = -1;
}
