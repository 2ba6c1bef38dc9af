namespace Shoal.Registry.Tests;

/// <summary>A clock tests move by hand (for TTLs); timers are not used by the code under test.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}
