namespace Shoal.Bitswap;

/// <summary>A one-shot timer of the core; armed by <see cref="TimerQueue.Schedule"/>.</summary>
internal sealed class CoreTimer(Action<TimeSpan> fire)
{
    public readonly Action<TimeSpan> Fire = fire;

    /// <summary>When it fires, or null when not armed. Stale queue entries are recognised by a different due time.</summary>
    public TimeSpan? Due;

    public long Generation;
}
