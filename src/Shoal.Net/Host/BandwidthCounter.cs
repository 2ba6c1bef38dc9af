using System.Collections.Concurrent;

namespace Shoal.Net;

/// <summary>
/// Stream payload bytes in and out, per negotiated protocol, over the host's whole life (what `stats bw` and
/// the shoal_libp2p_bytes_total counter report). Counted as Yamux data frames are written or delivered;
/// Noise and Yamux framing overhead and the multistream negotiation before a protocol is chosen are not included.
/// </summary>
public sealed class BandwidthCounter
{
    private readonly ConcurrentDictionary<string, ProtocolMeter> _meters = new(StringComparer.Ordinal);

    /// <summary>The meter for one protocol, created on first use.</summary>
    public ProtocolMeter For(string protocol) => _meters.GetOrAdd(protocol, static p => new ProtocolMeter(p));

    public long TotalIn
    {
        get
        {
            long total = 0;
            foreach (var m in _meters.Values) total += m.BytesIn;
            return total;
        }
    }

    public long TotalOut
    {
        get
        {
            long total = 0;
            foreach (var m in _meters.Values) total += m.BytesOut;
            return total;
        }
    }

    /// <summary>Every protocol seen so far, ordered by name.</summary>
    public IReadOnlyList<ProtocolMeter> Protocols => [.. _meters.Values.OrderBy(m => m.Protocol, StringComparer.Ordinal)];
}

/// <summary>Byte counts of one protocol; updated from stream pumps on any thread.</summary>
public sealed class ProtocolMeter(string protocol)
{
    private long _in;
    private long _out;

    public string Protocol { get; } = protocol;
    public long BytesIn => Interlocked.Read(ref _in);
    public long BytesOut => Interlocked.Read(ref _out);

    public void AddIn(long bytes) => Interlocked.Add(ref _in, bytes);
    public void AddOut(long bytes) => Interlocked.Add(ref _out, bytes);
}
