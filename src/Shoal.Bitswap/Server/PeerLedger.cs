using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>The server's view of one peer: its wants, the answers queued for it, the work in flight.</summary>
internal sealed class PeerLedger
{
    /// <summary>Read here; changed only through <see cref="AddWant"/>, <see cref="RemoveWant"/> and <see cref="Clear"/>,
    /// which keep <see cref="Eviction"/> in step.</summary>
    public readonly Dictionary<Cid, LedgerWant> Wants = [];

    /// <summary>Which want goes first when the ledger is full.</summary>
    public readonly LedgerEvictionOrder Eviction = new();
    public readonly Dictionary<Cid, ServerTask> Pending = [];
    public readonly ServerTaskQueue Order = new();

    /// <summary>Bytes of queued answers: reported to the peer as pendingBytes.</summary>
    public long PendingWork;

    /// <summary>Bytes handed to the host but not yet reported written.</summary>
    public long ActiveWork;

    /// <summary>Messages handed to the host but not yet reported written.</summary>
    public int ActiveEnvelopes;

    public TimeSpan? LastServedAt;

    public long BlocksSent;
    public long BytesSent;

    /// <summary>The engine's set of peers with answers queued, and the peer this ledger belongs to (null in a bare ledger).</summary>
    private PeersWithAnswers? _index;
    private PeerState? _owner;

    /// <summary>Keeps <paramref name="index"/> listing <paramref name="owner"/> exactly while this ledger has answers queued.</summary>
    public void Attach(PeersWithAnswers index, PeerState owner)
    {
        _index = index;
        _owner = owner;
        if (Order.Count > 0) index.Add(owner);
    }

    public void AddWant(LedgerWant want)
    {
        Wants.Add(want.Cid, want);
        Eviction.Add(want);
    }

    public bool RemoveWant(Cid cid)
    {
        if (!Wants.Remove(cid, out var want)) return false;
        Eviction.Remove(want);
        return true;
    }

    public void SetPriority(LedgerWant want, int priority) => Eviction.SetPriority(want, priority);

    public void AddTask(ServerTask task)
    {
        Pending[task.Cid] = task;
        Order.Add(task);
        PendingWork += task.Work;
        if (Order.Count == 1) _index?.Add(_owner!);
    }

    public void RemoveTask(ServerTask task)
    {
        Pending.Remove(task.Cid);
        Order.Remove(task);
        PendingWork -= task.Work;
        if (Order.Count == 0) _index?.Remove(_owner!);
    }

    public void Clear()
    {
        Wants.Clear();
        Eviction.Clear();
        Pending.Clear();
        Order.Clear();
        PendingWork = 0;
        _index?.Remove(_owner!);
    }
}
