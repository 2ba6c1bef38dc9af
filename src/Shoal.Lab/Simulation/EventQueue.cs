namespace Shoal.Lab.Simulation;

/// <summary>
/// The discrete-event core: callbacks ordered by (virtual time, insertion order), so equal-time events run in
/// the order they were scheduled and a run is a pure function of its inputs and seed. Single-threaded.
/// </summary>
public sealed class EventQueue
{
    private readonly PriorityQueue<Action, (long Time, long Seq)> _queue = new();
    private long _seq;

    public long Now { get; private set; }
    public int Count => _queue.Count;
    public long EventsRun { get; private set; }

    public void At(long timeNs, Action action)
    {
        if (timeNs < Now) timeNs = Now;
        _queue.Enqueue(action, (timeNs, _seq++));
    }

    public void After(long delayNs, Action action) => At(Now + Math.Max(0, delayNs), action);

    /// <summary>The time of the next event, or null when none is left.</summary>
    public long? PeekTime() => _queue.TryPeek(out _, out var p) ? p.Time : null;

    /// <summary>Runs every event due at the next event time; false when the queue is empty.</summary>
    public bool RunNextInstant()
    {
        if (!_queue.TryPeek(out _, out var first)) return false;
        Now = first.Time;
        while (_queue.TryPeek(out var action, out var p) && p.Time == first.Time)
        {
            _queue.Dequeue();
            EventsRun++;
            action();
        }
        return true;
    }
}
