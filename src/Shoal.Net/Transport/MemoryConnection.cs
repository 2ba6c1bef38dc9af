using System.IO.Pipelines;

namespace Shoal.Net;

/// <summary>One end of an in-memory connection: reads what the other end writes.</summary>
internal sealed class MemoryConnection : ITransportConnection
{
    /// <summary>Like a socket buffer: bytes in flight before the writer waits.</summary>
    private const long PauseThreshold = 1024 * 1024;

    private readonly PipeReader _input;
    private readonly PipeWriter _output;

    private MemoryConnection(PipeReader input, PipeWriter output, Multiaddr local, Multiaddr remote)
    {
        _input = input; _output = output; LocalAddress = local; RemoteAddress = remote;
    }

    public Multiaddr LocalAddress { get; }
    public Multiaddr RemoteAddress { get; }
    public PipeReader Input => _input;
    public PipeWriter Output => _output;

    public static (MemoryConnection Dialer, MemoryConnection Listener) CreatePair(Multiaddr dialerAddress, Multiaddr listenerAddress)
    {
        var options = new PipeOptions(pauseWriterThreshold: PauseThreshold, resumeWriterThreshold: PauseThreshold / 2, useSynchronizationContext: false);
        var toListener = new Pipe(options);
        var toDialer = new Pipe(options);
        return (new MemoryConnection(toDialer.Reader, toListener.Writer, dialerAddress, listenerAddress),
                new MemoryConnection(toListener.Reader, toDialer.Writer, listenerAddress, dialerAddress));
    }

    public async ValueTask DisposeAsync()
    {
        await _output.CompleteAsync().ConfigureAwait(false);
        await _input.CompleteAsync().ConfigureAwait(false);
    }
}
