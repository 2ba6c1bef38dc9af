using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>One answer queued for a peer: a block, a HAVE or a DONT_HAVE.</summary>
internal sealed class ServerTask(Cid cid, ServerTaskKind kind, int work, int priority, long seq)
{
    public readonly Cid Cid = cid;
    public ServerTaskKind Kind = kind;
    public int Work = work;
    public readonly int Priority = priority;
    public readonly long Seq = seq;

    /// <summary>When it was queued (Shoal's server defers blocks it already uploaded, for a bounded time).</summary>
    public TimeSpan QueuedAt;
}

/// <summary>Higher priority first, then first come first served (the spec: respect the client's priorities).</summary>
internal sealed class ServerTaskOrder : IComparer<ServerTask>
{
    public static readonly ServerTaskOrder Instance = new();

    public int Compare(ServerTask? x, ServerTask? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int c = y.Priority.CompareTo(x.Priority);
        return c != 0 ? c : x.Seq.CompareTo(y.Seq);
    }
}
