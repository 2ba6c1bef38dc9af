using System.IO.Pipelines;

namespace Shoal.Net;

/// <summary>A Yamux stream with its negotiated protocol and the connection it belongs to.</summary>
public sealed class P2pStream : IP2pStream
{
    private readonly YamuxStream _inner;

    internal P2pStream(YamuxStream inner, P2pConnection connection, string protocol)
    {
        _inner = inner;
        Connection = connection;
        Protocol = protocol;
    }

    public P2pConnection Connection { get; }
    public PeerId RemotePeer => Connection.RemotePeer;
    public string Protocol { get; }
    public PipeReader Input => _inner.Input;
    public PipeWriter Output => _inner.Output;
    public ValueTask CloseWriteAsync(CancellationToken ct = default) => _inner.CloseWriteAsync(ct);
    public void Reset() => _inner.Reset();
    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
