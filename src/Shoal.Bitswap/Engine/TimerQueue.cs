namespace Shoal.Bitswap;

/// <summary>The core's timers on the time it is handed: no clock, no threads. Rescheduling leaves a stale
/// entry that is skipped when it surfaces.</summary>
internal sealed class TimerQueue
{
    private readonly PriorityQueue<(CoreTimer Timer, long Generation), (TimeSpan Due, long Seq)> _queue = new();
    private long _seq;

    public void Schedule(CoreTimer timer, TimeSpan due)
    {
        if (timer.Due == due) return;
        timer.Due = due;
        timer.Generation++;
        _queue.Enqueue((timer, timer.Generation), (due, _seq++));
    }

    /// <summary>Arms the timer unless it is already armed to fire earlier.</summary>
    public void ScheduleNoLater(CoreTimer timer, TimeSpan due)
    {
        if (timer.Due is { } d && d <= due) return;
        Schedule(timer, due);
    }

    public static void Cancel(CoreTimer timer)
    {
        timer.Due = null;
        timer.Generation++;
    }

    public TimeSpan? Next
    {
        get
        {
            while (_queue.TryPeek(out var e, out var p))
            {
                if (e.Timer.Generation == e.Generation && e.Timer.Due == p.Due) return p.Due;
                _queue.Dequeue();
            }
            return null;
        }
    }

    /// <summary>Fires every timer due at or before <paramref name="now"/>, earliest first.</summary>
    public void RunDue(TimeSpan now)
    {
        while (_queue.TryPeek(out var e, out var p) && p.Due <= now)
        {
            _queue.Dequeue();
            if (e.Timer.Generation != e.Generation || e.Timer.Due != p.Due) continue;
            e.Timer.Due = null;
            e.Timer.Fire(now);
        }
    }
}
