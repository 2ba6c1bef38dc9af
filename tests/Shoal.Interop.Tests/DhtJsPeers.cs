using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Shoal.Interop.Tests;

/// <summary>
/// A Node.js process running real js-libp2p nodes with @libp2p/kad-dht as DHT servers (interop/dht-peer.mjs),
/// driven by JSON lines over stdin/stdout.
/// </summary>
internal sealed class DhtJsPeers : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Dictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<JsonObject> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextId;

    private DhtJsPeers(Process process)
    {
        _process = process;
    }

    public sealed record JsNode(string Id, IReadOnlyList<string> Addresses);

    public IReadOnlyList<JsNode> Nodes { get; private set; } = [];

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Shoal.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"No Shoal.slnx above {AppContext.BaseDirectory}.");
    }

    public static async Task<DhtJsPeers> StartAsync(int nodes, string protocol = "/ipfs/kad/1.0.0")
    {
        string interop = Path.Combine(RepoRoot(), "interop");
        if (!Directory.Exists(Path.Combine(interop, "node_modules", "@libp2p", "kad-dht")))
        {
            throw new InvalidOperationException($"{interop}/node_modules is missing: run ./setup.sh (npm ci --omit=peer in interop/).");
        }
        var psi = new ProcessStartInfo("node", ["--import", "./polyfill.mjs", "dht-peer.mjs", nodes.ToString(System.Globalization.CultureInfo.InvariantCulture), protocol])
        {
            WorkingDirectory = interop,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var peers = new DhtJsPeers(process);
        process.OutputDataReceived += (_, e) => peers.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (peers._stderr) peers._stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var ready = await peers._ready.Task.WaitAsync(StartTimeout);
            peers.Nodes = ready["nodes"]!.AsArray()
                .Select(n => new JsNode(n!["id"]!.GetValue<string>(), n["addrs"]!.AsArray().Select(a => a!.GetValue<string>()).ToList()))
                .ToList();
        }
        catch (TimeoutException)
        {
            await peers.DisposeAsync();
            throw new TimeoutException($"js DHT peers not ready within {StartTimeout}: {peers.Stderr}");
        }
        return peers;
    }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    private void OnLine(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        JsonObject obj;
        try
        {
            obj = JsonNode.Parse(line)!.AsObject();
        }
        catch (JsonException)
        {
            lock (_stderr) _stderr.AppendLine("stdout: " + line);
            return;
        }
        if (obj["event"]?.GetValue<string>() == "ready")
        {
            _ready.TrySetResult(obj);
            return;
        }
        int id = obj["id"]?.GetValue<int>() ?? -1;
        TaskCompletionSource<JsonObject>? tcs;
        lock (_gate) _pending.Remove(id, out tcs);
        tcs?.TrySetResult(obj);
    }

    /// <summary>Runs a command on the js side and returns its answer; throws with the js error when it failed.</summary>
    public async Task<JsonObject> CallAsync(string command, object arguments, TimeSpan? timeout = null)
    {
        var tcs = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        int id;
        lock (_gate)
        {
            id = ++_nextId;
            _pending[id] = tcs;
        }
        var request = JsonSerializer.SerializeToNode(arguments)!.AsObject();
        request["id"] = id;
        request["cmd"] = command;
        await _process.StandardInput.WriteLineAsync(request.ToJsonString());
        await _process.StandardInput.FlushAsync();
        var answer = await tcs.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(45));
        if (answer["ok"]?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"js {command} failed: {answer["error"]}\n{Stderr}");
        }
        return answer;
    }

    public static List<string> Strings(JsonNode? array) => array?.AsArray().Select(x => x!.GetValue<string>()).ToList() ?? [];

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await _process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
