using System.IO.Pipelines;

namespace Shoal.Net;

/// <summary>
/// A duplex pipe whose bytes travel encrypted in Noise transport frames over an inner pipe. No pumps: writes are sealed
/// in place in the inner pipe's memory on the writer's thread (<see cref="NoiseSealingWriter"/>), and received frames
/// are opened on the reader's thread when it asks for more (<see cref="NoiseOpeningReader"/>). Backpressure is the
/// inner pipes': the transport is read only as fast as the layer above reads.
/// </summary>
public sealed class NoiseSecureChannel : IDuplexPipe, IAsyncDisposable
{
    private readonly NoiseCipherState _send;
    private readonly NoiseCipherState _receive;
    private readonly NoiseSealingWriter _output;
    private readonly NoiseOpeningReader _input;
    private int _disposed;

    internal NoiseSecureChannel(IDuplexPipe transport, NoiseCipherState send, NoiseCipherState receive, PeerId remotePeer, PublicKey remoteKey, IReadOnlyList<string> remoteMuxers)
    {
        _send = send;
        _receive = receive;
        RemotePeer = remotePeer;
        RemotePublicKey = remoteKey;
        RemoteStreamMuxers = remoteMuxers;
        _output = new NoiseSealingWriter(transport.Output, send);
        _input = new NoiseOpeningReader(transport.Input, receive);
    }

    public PeerId RemotePeer { get; }
    public PublicKey RemotePublicKey { get; }
    /// <summary>The muxers the peer listed in its Noise extensions (early muxer negotiation), possibly empty.</summary>
    public IReadOnlyList<string> RemoteStreamMuxers { get; }
    public PipeReader Input => _input;
    public PipeWriter Output => _output;

    /// <summary>Seals what the upper layer wrote and completes the inner output; stops reading. Does not dispose the inner
    /// transport (the connection does, after the layer above has stopped using this channel).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _output.CompleteAsync().ConfigureAwait(false);
        await _input.CompleteAsync().ConfigureAwait(false);
        _send.Dispose();
        _receive.Dispose();
    }
}
