namespace Shoal.Lab.Simulation;

/// <summary>Bytes a payload takes on the wire, so link time counts framing as a real transfer would.</summary>
public static class WireFraming
{
    /// <summary>Noise transport frame: 65535 bytes including the 16-byte AEAD tag, after a 2-byte length.</summary>
    private const int NoiseFramePayload = 65535 - 16;
    private const int NoiseFrameOverhead = 16 + 2;

    /// <summary>Yamux data frame header; writes are split at the default 256 KiB stream window.</summary>
    private const int YamuxHeader = 12;
    private const int YamuxMaxFrame = 256 * 1024;

    /// <summary>IPv4 (20) + TCP with timestamps (32) per segment of at most one MSS.</summary>
    private const int TcpIpHeader = 52;

    /// <summary>TLS 1.3 record: 16 KiB of data plus 22 bytes of header, type and tag.</summary>
    private const int TlsRecordPayload = 16 * 1024;
    private const int TlsRecordOverhead = 22;

    /// <summary>Typical HTTP/1.1 response headers of a registry blob download.</summary>
    public const int HttpResponseHeaders = 400;

    /// <summary>A registry blob GET with auth token and headers.</summary>
    public const int HttpRequestBytes = 800;

    /// <summary>A libp2p stream message (varint-length-prefixed) over Yamux, Noise and TCP/IP.</summary>
    public static long Libp2p(long messageBytes) => Libp2pFramed(messageBytes + VarintSize(messageBytes));

    /// <summary>Like <see cref="Libp2p"/> for a message whose size already includes its length prefix.</summary>
    public static long Libp2pFramed(long framed)
    {
        framed += Ceil(framed, YamuxMaxFrame) * YamuxHeader;
        framed += Ceil(framed, NoiseFramePayload) * NoiseFrameOverhead;
        return Tcp(framed);
    }

    /// <summary>An HTTPS response body with headers over TLS and TCP/IP.</summary>
    public static long Https(long bodyBytes)
    {
        var framed = bodyBytes + HttpResponseHeaders;
        framed += Ceil(framed, TlsRecordPayload) * TlsRecordOverhead;
        return Tcp(framed);
    }

    private static long Tcp(long bytes) => bytes + Ceil(bytes, FluidNetwork.TcpMss) * TcpIpHeader;

    private static long Ceil(long a, long b) => (a + b - 1) / b;

    internal static int VarintSize(long v)
    {
        var n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }
}
