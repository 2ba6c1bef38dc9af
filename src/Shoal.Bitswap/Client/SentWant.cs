namespace Shoal.Bitswap;

/// <summary>A want we told one peer about (our copy of its view of our wantlist).</summary>
internal sealed class SentWant(WantType type, int priority, bool sendDontHave)
{
    public WantType Type = type;
    public int Priority = priority;
    public bool SendDontHave = sendDontHave;

    /// <summary>When the message carrying it left; null while it waits in the outbox.</summary>
    public TimeSpan? SentAt;

    /// <summary>The peer answered (block, HAVE or DONT_HAVE), or we simulated its DONT_HAVE.</summary>
    public bool Answered;

    /// <summary>A want-have the peer answered with HAVE: a 1.2 server (boxo, Shoal) drops it once that HAVE is sent,
    /// so there is nothing left to cancel.</summary>
    public bool SaidHave;
}
