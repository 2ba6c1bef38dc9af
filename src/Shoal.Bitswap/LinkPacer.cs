namespace Shoal.Bitswap;

/// <summary>
/// One direction of a node's link at a given rate, shared by every peer. As the upload link
/// (<see cref="BitswapOptions.UploadBytesPerSecond"/>, <see cref="TransmitAsync(BitswapMessage, CancellationToken)"/>)
/// each block message reserves the link for its size over the rate, after the messages that reserved it before, and
/// is handed to the network when that time is over (its last byte has "left"). So the server's envelopes stay in
/// flight as long as on a link of that speed, as in the Lab's simulator, instead of the moment the kernel buffers
/// them. As the download link (<see cref="BitswapOptions.DownloadBytesPerSecond"/>,
/// <see cref="ReceiveAsync"/>) a received block message waits as long as that link, busy with the ones before it,
/// would still have been carrying it. Messages without blocks are not paced (the simulator delivers small messages
/// past bulk transfers too).
/// </summary>
public sealed class LinkPacer
{
    private readonly double _bytesPerSecond;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private long _freeAt;

    public LinkPacer(double bytesPerSecond, TimeProvider? time = null)
    {
        if (!(bytesPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), "must be positive");
        _bytesPerSecond = bytesPerSecond;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Waits until <paramref name="message"/> has gone out on the link.</summary>
    public Task TransmitAsync(BitswapMessage message, CancellationToken ct) => TransmitAsync(BlockBytes(message), arrived: false, ct);

    /// <summary>A download link: <paramref name="message"/> has just arrived; waits as long as a link of this rate,
    /// busy with the messages before it, would have taken beyond the time it was already arriving (its sender's link
    /// carried it for its size over this rate, so an idle download link adds nothing).</summary>
    public Task ReceiveAsync(BitswapMessage message, CancellationToken ct) => TransmitAsync(BlockBytes(message), arrived: true, ct);

    private static long BlockBytes(BitswapMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        long bytes = 0;
        foreach (var b in message.Blocks) bytes += b.Data.Length;
        return bytes;
    }

    /// <summary>Reserves the link for <paramref name="bytes"/> and waits until they have gone out (or, with
    /// <paramref name="arrived"/>, come in: the reservation may start up to its own duration in the past).</summary>
    public Task TransmitAsync(long bytes, bool arrived, CancellationToken ct)
    {
        long now = _time.GetTimestamp();
        long duration = (long)(bytes / _bytesPerSecond * _time.TimestampFrequency);
        long done;
        lock (_lock)
        {
            long start = Math.Max(arrived ? now - duration : now, _freeAt);
            done = start + duration;
            _freeAt = done;
        }
        var wait = _time.GetElapsedTime(now, done);
        return wait > TimeSpan.Zero ? Task.Delay(wait, _time, ct) : Task.CompletedTask;
    }
}
