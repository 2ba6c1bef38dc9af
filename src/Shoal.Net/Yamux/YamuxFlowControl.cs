namespace Shoal.Net;

/// <summary>
/// Per-stream Yamux flow-control state, pure (no I/O, time passed in): the send window the peer granted, and our
/// receive window with its auto-tuning. Not thread-safe; the owning stream locks around it.
/// </summary>
public sealed class YamuxFlowControl(uint maxReceiveWindow = 16 * 1024 * 1024)
{
    /// <summary>Bytes we may still send before the peer grants more.</summary>
    public uint SendWindow { get; private set; } = YamuxOptions.InitialWindow;
    /// <summary>Bytes the peer may still send us.</summary>
    public uint ReceiveCredit { get; private set; } = YamuxOptions.InitialWindow;
    /// <summary>Target receive window (credit + unread bytes); doubles while the reader keeps up, up to the maximum.</summary>
    public uint ReceiveWindow { get; private set; } = YamuxOptions.InitialWindow;
    /// <summary>Received bytes the application has not read yet.</summary>
    public long Buffered { get; private set; }

    private TimeSpan _epochStart;

    /// <summary>Records received data; a peer that overruns our window breaks the protocol (fatal in go and js too).</summary>
    public void OnDataReceived(uint length)
    {
        if (length > ReceiveCredit) throw new YamuxProtocolException($"Yamux: peer sent {length} bytes with only {ReceiveCredit} of window left.");
        ReceiveCredit -= length;
        Buffered += length;
    }

    /// <summary>
    /// Records that the application read <paramref name="count"/> bytes; returns the window update delta to send (0 = not yet:
    /// updates go out once half the window is free, as go-yamux does). <paramref name="rtt"/> (0 if unknown) drives auto-tuning.
    /// </summary>
    public uint OnConsumed(long count, TimeSpan now, TimeSpan rtt)
    {
        Buffered -= count;
        if (Buffered < 0) throw new InvalidOperationException("Consumed more than was received.");
        long free = ReceiveWindow - Buffered - ReceiveCredit;
        if (free < ReceiveWindow / 2) return 0;
        // A window drained in under ~2 round trips is the bottleneck: double it (go-yamux's rule, with 4 RTT there).
        if (rtt > TimeSpan.Zero && now - _epochStart < rtt * 4 && ReceiveWindow < maxReceiveWindow)
            ReceiveWindow = (uint)Math.Min((long)ReceiveWindow * 2, maxReceiveWindow);
        _epochStart = now;
        uint delta = (uint)(ReceiveWindow - Buffered - ReceiveCredit);
        ReceiveCredit += delta;
        return delta;
    }

    /// <summary>
    /// The reader looked at everything buffered and needs more before it can consume (a length-prefixed message
    /// larger than the window, e.g. a 1 MiB Bitswap message): grow the window so the rest can arrive, up to the
    /// maximum; without this a message bigger than the window deadlocks the stream. Returns the update delta.
    /// </summary>
    public uint OnReaderStalled()
    {
        if (Buffered < ReceiveWindow / 2 || ReceiveWindow >= maxReceiveWindow) return 0;
        ReceiveWindow = (uint)Math.Min((long)ReceiveWindow * 2, maxReceiveWindow);
        long delta = ReceiveWindow - Buffered - ReceiveCredit;
        if (delta <= 0) return 0;
        ReceiveCredit += (uint)delta;
        return (uint)delta;
    }

    /// <summary>Credit returned for data dropped unread (the reader is gone), so the peer is never stalled by a closed reader.</summary>
    public uint OnDiscarded(uint length)
    {
        Buffered -= length;
        ReceiveCredit += length;
        return length;
    }

    public void OnWindowUpdate(uint delta)
    {
        ulong next = (ulong)SendWindow + delta;
        if (next > uint.MaxValue) throw new YamuxProtocolException("Yamux: window update overflows the send window.");
        SendWindow = (uint)next;
    }

    /// <summary>Takes up to <paramref name="wanted"/> bytes of send window; 0 when the window is empty.</summary>
    public int TakeSendWindow(int wanted)
    {
        int n = (int)Math.Min((uint)wanted, SendWindow);
        SendWindow -= (uint)n;
        return n;
    }
}
