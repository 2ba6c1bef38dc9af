namespace Shoal.Lab.Simulation;

/// <summary>Virtual time in nanoseconds since the start of a run.</summary>
public static class VirtualClock
{
    public const long NanosPerSecond = 1_000_000_000;
    public static long FromTimeSpan(TimeSpan t) => t.Ticks * 100;
    public static TimeSpan ToTimeSpan(long ns) => TimeSpan.FromTicks(ns / 100);
    public static double ToSeconds(long ns) => ns / (double)NanosPerSecond;
    public static long FromSeconds(double s) => (long)Math.Ceiling(s * NanosPerSecond);
}

/// <summary>A <see cref="TimeProvider"/> whose now is the simulator's virtual time (for cores that read a TimeProvider).</summary>
public sealed class VirtualTimeProvider(Func<long> nowNanos, DateTimeOffset epoch) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => epoch.AddTicks(nowNanos() / 100);
    public override long GetTimestamp() => nowNanos();
    public override long TimestampFrequency => VirtualClock.NanosPerSecond;
}
