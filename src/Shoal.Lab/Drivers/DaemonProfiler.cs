using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace Shoal.Lab.Drivers;

/// <summary>
/// Samples one running .NET process (a local `shoal daemon`) through EventPipe, as `dotnet-trace`'s cpu-sampling
/// profile does: the runtime's sample profiler plus the JIT and loader events (and the method rundown at the end) that
/// turn code addresses into method names. The session streams into a <c>.nettrace</c> file until <see cref="StopAsync"/>.
/// </summary>
public sealed class DaemonProfiler : IAsyncDisposable
{
    /// <summary>EventPipe's buffer in the target process; a second of samples of a busy daemon fits many times over.</summary>
    private const int CircularBufferMiB = 64;

    /// <summary>How long stopping (rundown of every JIT-compiled method, then the end of the stream) may take.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly EventPipeSession _session;
    private readonly FileStream _file;
    private readonly Task _copy;
    private bool _stopped;
    private bool _disposed;

    private DaemonProfiler(EventPipeSession session, FileStream file, string path)
    {
        _session = session;
        _file = file;
        Path = path;
        _copy = session.EventStream.CopyToAsync(file);
    }

    /// <summary>The trace file being written.</summary>
    public string Path { get; }

    /// <summary>Starts sampling process <paramref name="processId"/> into <paramref name="nettracePath"/>.</summary>
    public static DaemonProfiler Start(int processId, string nettracePath)
    {
        var providers = new[]
        {
            new EventPipeProvider("Microsoft-DotNETCore-SampleProfiler", EventLevel.Informational),
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, (long)ClrTraceEventParser.Keywords.Default),
        };
        var session = new DiagnosticsClient(processId).StartEventPipeSession(providers, requestRundown: true, circularBufferMB: CircularBufferMiB);
        var file = File.Create(nettracePath);
        return new DaemonProfiler(session, file, nettracePath);
    }

    /// <summary>Ends the session (the target writes its method rundown) and finishes the file. Safe to call twice.
    /// False when the target did not end it in time (the file is then incomplete: do not fold it).</summary>
    public async Task<bool> StopAsync(CancellationToken cancellationToken)
    {
        if (_stopped) return Complete;
        _stopped = true;
        try
        {
            await _session.StopAsync(cancellationToken).WaitAsync(StopTimeout, cancellationToken).ConfigureAwait(false);
            await _copy.WaitAsync(StopTimeout, cancellationToken).ConfigureAwait(false);
            Complete = true;
        }
        catch (Exception e) when (e is ServerNotAvailableException or IOException or TimeoutException or EndOfStreamException or ObjectDisposedException) { }
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        return Complete;
    }

    /// <summary>The session ended normally and the trace file is whole.</summary>
    public bool Complete { get; private set; }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _session.Dispose();
        try { await _copy.WaitAsync(StopTimeout).ConfigureAwait(false); }
        catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException) { }
        await _file.DisposeAsync().ConfigureAwait(false);
    }
}
