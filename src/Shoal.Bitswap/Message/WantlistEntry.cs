using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>One wantlist entry: a want (block or have) or a cancel of an earlier want.</summary>
public readonly record struct WantlistEntry(Cid Cid, int Priority, WantType WantType, bool Cancel, bool SendDontHave)
{
    public static WantlistEntry Want(Cid cid, int priority, WantType type, bool sendDontHave)
        => new(cid, priority, type, Cancel: false, sendDontHave);

    public static WantlistEntry CancelOf(Cid cid) => new(cid, 0, WantType.Block, Cancel: true, SendDontHave: false);
}
