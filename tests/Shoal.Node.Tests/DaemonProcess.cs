using System.Diagnostics;
using System.Text.Json;

namespace Shoal.Node.Tests;

/// <summary>A real `shoal daemon` child process on loopback with its own repo and ports chosen by the OS.</summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    /// <summary>Startup includes JIT of the whole node on a busy 2-core machine; generous but bounded.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(25);

    private readonly Process _process;
    private readonly TempDir? _ownedDir;
    private readonly Task<string> _stderr;

    private DaemonProcess(Process process, string repo, DaemonInfo info, TempDir? ownedDir, Task<string> stderr)
    {
        _process = process;
        Repo = repo;
        Info = info;
        _ownedDir = ownedDir;
        _stderr = stderr;
        Api = new ShoalApiClient(info.Api, TimeSpan.FromSeconds(25));
    }

    public string Repo { get; }
    public DaemonInfo Info { get; }
    public ShoalApiClient Api { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Inits a fresh repo (test profile: loopback, port 0) unless <paramref name="repo"/> exists, then starts the daemon.</summary>
    public static async Task<DaemonProcess> StartAsync(string? repo = null, IEnumerable<string>? extraArgs = null, IDictionary<string, string>? env = null)
    {
        TempDir? owned = null;
        if (repo is null)
        {
            owned = new TempDir();
            repo = owned.Combine("repo");
        }
        if (!Directory.Exists(repo))
        {
            var init = await ShoalCli.RunAsync(["init", "--repo", repo, "--profile", "test"], env);
            if (init.ExitCode != 0) throw new InvalidOperationException($"init failed: {init}");
        }
        var process = Process.Start(ShoalCli.StartInfo(["daemon", "--repo", repo, "--json", .. extraArgs ?? []], env))!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(StartTimeout);
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(cts.Token)
                ?? throw new InvalidOperationException($"daemon exited before it was ready: {await stderr}");
            var info = JsonSerializer.Deserialize<DaemonInfo>(line) ?? throw new InvalidOperationException("empty ready line");
            // Keep draining stdout so the daemon never blocks on a full pipe.
            _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            return new DaemonProcess(process, repo, info, owned, stderr);
        }
        catch (Exception) when (!process.HasExited || true)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            owned?.Dispose();
            throw;
        }
    }

    /// <summary>Sends SIGTERM and waits for a graceful exit; returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill!.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await _process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); throw new TimeoutException("daemon did not stop within 15 s of SIGTERM"); }
        }
        return _process.ExitCode;
    }

    public Task<string> StderrAsync() => _stderr;

    /// <summary>What this daemon's Bitswap and swarm look like now (for a failure message; never throws).</summary>
    public async Task<string> DescribeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var stats = await Api.BitswapStatAsync(cts.Token);
            var peers = await Api.SwarmPeersAsync(cts.Token);
            return $"{Info.Id}: bitswap {JsonSerializer.Serialize(stats)}; swarm peers [{string.Join(", ", peers.Select(p => p.Peer + " " + p.Addr))}]";
        }
        catch (Exception e)
        {
            return $"{Info.Id}: no answer ({e.GetType().Name}: {e.Message})";
        }
    }

    /// <summary>Runs a CLI command against this daemon's repo (the CLI finds the daemon through the repo's api file).</summary>
    public Task<ShoalCli.Result> CliAsync(params string[] args) => ShoalCli.RunAsync([.. args, "--repo", Repo]);

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        try { await StopAsync(); }
        catch (TimeoutException) { }
        _process.Dispose();
        _ownedDir?.Dispose();
    }
}
