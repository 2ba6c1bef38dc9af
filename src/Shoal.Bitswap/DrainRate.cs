using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>
/// How fast one connection puts written bytes on the wire, from successive readings of its send queue, so a sender waiting
/// for a block message to leave the host sleeps about as long as that takes instead of looking every millisecond (at
/// 100 Mbit/s shared by eight peers a 256 KiB block takes ~170 ms to leave: 170 wake-ups per block per peer).
/// </summary>
internal struct DrainRate(TimeProvider time)
{
    /// <summary>Readings closer than this say little about the rate (the timer's grain is ~1 ms).</summary>
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(0.5);

    /// <summary>Weight of a slower reading in the running rate: the rate comes down over several readings when other flows
    /// start sharing the link, while one slow reading (the receiver paused) barely moves it. A faster reading is taken at
    /// once: sleeping too long leaves the link idle (on loopback, a guess lowered by one pause slept whole milliseconds
    /// while the socket drained in microseconds), sleeping too little only costs a look more.</summary>
    private const double SlowerWeight = 0.125;

    private long _left = -1;
    private long _at;
    private double _bytesPerSecond;

    /// <summary>The measured rate in bytes per second, or 0 before two readings with bytes leaving in between.</summary>
    public readonly double BytesPerSecond => _bytesPerSecond;

    /// <summary>Takes a reading of the connection's send queue.</summary>
    public void Observe(SendQueueState queue)
    {
        long left = queue.LeftHost;
        long now = time.GetTimestamp();
        if (_left < 0 || left < _left)
        {
            // First reading, or a new connection whose byte count started over: the rate so far still describes the link.
            (_left, _at) = (left, now);
            return;
        }
        var elapsed = time.GetElapsedTime(_at, now);
        if (elapsed < MinInterval) return;
        if (left > _left)
        {
            double rate = (left - _left) / elapsed.TotalSeconds;
            _bytesPerSecond = rate >= _bytesPerSecond ? rate : (1 - SlowerWeight) * _bytesPerSecond + SlowerWeight * rate;
        }
        // A reading with nothing leaving (the socket was idle, or the link stalled) keeps the rate: the wait it gives is
        // capped, and the next bytes that leave measure the link again.
        (_left, _at) = (left, now);
    }

    /// <summary>How long to sleep before <paramref name="bytes"/> more have probably left: <paramref name="share"/> of the
    /// time at the measured rate, within [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="min"/> while the
    /// rate is unknown or nothing is left to wait for.</summary>
    public readonly TimeSpan TimeFor(long bytes, TimeSpan min, TimeSpan max, double share)
    {
        if (bytes <= 0 || _bytesPerSecond <= 0) return min;
        var wait = TimeSpan.FromSeconds(bytes / _bytesPerSecond * share);
        return wait < min ? min : wait > max ? max : wait;
    }
}
