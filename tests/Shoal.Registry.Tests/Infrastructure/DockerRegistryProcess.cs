using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Shoal.Registry.Tests;

/// <summary>
/// A real upstream: Debian's docker-registry (CNCF distribution) on a loopback port with filesystem storage
/// in a temp directory, optionally behind token auth. Its access log (stdout) is kept so tests can count what
/// the mirror asked the upstream for.
/// </summary>
/// <remarks>
/// The registry binds port 0 itself and the port is read back from its "listening on 127.0.0.1:N" line. It
/// used to be given a port found free beforehand (bind 0, read, close); anything else on the machine could
/// take that port before the registry bound it, and then the registry exited at once ("bind: address already
/// in use") and every test of the fixture failed within a second.
/// </remarks>
internal sealed partial class DockerRegistryProcess : IAsyncDisposable
{
    public const string Binary = "/usr/bin/docker-registry";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly TempDirectory _dir;
    private readonly ConcurrentQueue<string> _access = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private DockerRegistryProcess(Process process, TempDirectory dir)
    {
        _process = process;
        _dir = dir;
    }

    /// <summary>The port the registry bound, known once <see cref="StartAsync"/> has returned.</summary>
    public int Port { get; private set; }
    public string HostPort => "127.0.0.1:" + Port;
    public Uri Url => new("http://127.0.0.1:" + Port);

    /// <param name="tokenAuth">realm, service, issuer and PEM path of the token signer's certificate.</param>
    public static async Task<DockerRegistryProcess> StartAsync((string Realm, string Service, string Issuer, string CertPath)? tokenAuth = null)
    {
        if (!File.Exists(Binary)) throw new InvalidOperationException($"{Binary} is missing: run ./setup.sh (installs the Debian docker-registry package)");
        var dir = new TempDirectory("shoal-upstream");
        var auth = tokenAuth is { } t
            ? $"auth:\n  token:\n    realm: {t.Realm}\n    service: {t.Service}\n    issuer: {t.Issuer}\n    rootcertbundle: {t.CertPath}\n"
            : "";
        var config = Path.Combine(dir.Path, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: info
            storage:
              filesystem:
                rootdirectory: {dir.Sub("data")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:0
              secret: shoal-test-secret
            {auth}
            """);
        var psi = new ProcessStartInfo(Binary, ["serve", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var registry = new DockerRegistryProcess(process, dir);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            registry._access.Enqueue(e.Data);
            registry.SignalLogLine();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            registry._errors.Enqueue(e.Data);
            if (ListeningLine().Match(e.Data) is { Success: true } m) listening.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var started = await Task.WhenAny(listening.Task, process.WaitForExitAsync()).WaitAsync(StartTimeout);
            // WaitForExitAsync completes after stderr has been read to its end, so the reason is in _errors.
            if (started != listening.Task) throw new InvalidOperationException($"docker-registry exited ({process.ExitCode}) before listening:\n" + string.Join("\n", registry._errors));
            registry.Port = await listening.Task;
        }
        catch (TimeoutException e)
        {
            await registry.DisposeAsync();
            throw new TimeoutException($"docker-registry did not report listening within {StartTimeout.TotalSeconds:0} s:\n" + string.Join("\n", registry._errors), e);
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
        return registry;
    }

    [GeneratedRegex("msg=\"listening on 127\\.0\\.0\\.1:(\\d+)\"")]
    private static partial Regex ListeningLine();

    [GeneratedRegex("\"(GET|HEAD) (/v2/[^ ]+/blobs/(sha256:[0-9a-f]{64}))[^\"]*\" (\\d{3})")]
    private static partial Regex BlobLine();

    /// <summary>Blob GETs the upstream answered (any status), from its access log.</summary>
    public int BlobGets(string digest) => Count("GET", digest);

    public int Count(string method, string digest)
    {
        var n = 0;
        foreach (var line in _access)
            if (BlobLine().Match(line) is { Success: true } m && m.Groups[1].Value == method && m.Groups[3].Value == digest) n++;
        return n;
    }

    public IReadOnlyCollection<string> AccessLog => _access;

    private TaskCompletionSource _logLine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();

    private void SignalLogLine()
    {
        TaskCompletionSource old;
        lock (_gate)
        {
            old = _logLine;
            _logLine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        old.TrySetResult();
    }

    /// <summary>Waits until the access log shows at least <paramref name="atLeast"/> GETs of the blob.</summary>
    public async Task WaitForBlobGetsAsync(string digest, int atLeast, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task next;
            lock (_gate) next = _logLine.Task;
            if (BlobGets(digest) >= atLeast) return;
            try { await next.WaitAsync(cts.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"upstream log never showed {atLeast} GET(s) of {digest}"); }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        _dir.Dispose();
    }
}
