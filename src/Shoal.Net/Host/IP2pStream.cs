using System.IO.Pipelines;

namespace Shoal.Net;

/// <summary>One negotiated libp2p stream (a Yamux stream after multistream-select).</summary>
public interface IP2pStream : IAsyncDisposable
{
    PeerId RemotePeer { get; }
    string Protocol { get; }
    PipeReader Input { get; }
    PipeWriter Output { get; }
    /// <summary>Half-close: the peer reads end-of-stream after our data (Yamux FIN).</summary>
    ValueTask CloseWriteAsync(CancellationToken ct = default);
    /// <summary>Abort both directions (Yamux RST); other streams of the connection go on.</summary>
    void Reset();
}
