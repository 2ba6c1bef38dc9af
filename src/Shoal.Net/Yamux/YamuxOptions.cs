namespace Shoal.Net;

/// <summary>Yamux tunables; defaults follow go-yamux and js so peers see familiar behaviour.</summary>
public sealed class YamuxOptions
{
    /// <summary>The spec's initial per-stream window (256 KiB); a peer may assume it without negotiation.</summary>
    public const uint InitialWindow = 256 * 1024;

    /// <summary>Auto-tuning ceiling: go-yamux grows a stream's receive window up to 16 MiB on fast links.</summary>
    public uint MaxReceiveWindow { get; init; } = 16 * 1024 * 1024;
    /// <summary>Largest data frame we send; 64 KiB keeps one stream from hogging the connection and suits Noise's 64 KiB frames.</summary>
    public int MaxDataFrameSize { get; init; } = 64 * 1024;
    /// <summary>Streams the peer may open at once (js defaults to 1000 inbound); beyond it new streams are reset.</summary>
    public int MaxInboundStreams { get; init; } = 1024;
    /// <summary>Streams we may have open at once; opening more throws.</summary>
    public int MaxOutboundStreams { get; init; } = 1024;
    /// <summary>Inbound streams waiting for the host to accept them; beyond it new streams are reset.</summary>
    public int AcceptBacklog { get; init; } = 256;
    /// <summary>go-yamux pings every 30 s to keep NATs open and detect dead peers.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>A keepalive ping unanswered this long closes the session (go uses the connection write timeout, 10 s; we allow more).</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
