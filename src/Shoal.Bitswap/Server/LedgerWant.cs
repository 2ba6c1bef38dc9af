namespace Shoal.Bitswap;

/// <summary>A want a peer told us about; it stays (a subscription) until served or cancelled.</summary>
internal sealed class LedgerWant(WantType type, int priority, bool sendDontHave)
{
    public WantType Type = type;
    public int Priority = priority;
    public bool SendDontHave = sendDontHave;
}
