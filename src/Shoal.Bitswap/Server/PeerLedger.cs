using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>The server's view of one peer: its wants, the answers queued for it, the work in flight.</summary>
internal sealed class PeerLedger
{
    public readonly Dictionary<Cid, LedgerWant> Wants = [];
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
        Pending.Clear();
        Order.Clear();
        PendingWork = 0;
        _index?.Remove(_owner!);
    }
}
