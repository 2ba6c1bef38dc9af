using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Net;

namespace Shoal.Interop.Tests;

/// <summary>
/// A real js-libp2p peer (interop/peer.mjs) in a child process: reads its JSON lines (the ready line, events, replies),
/// sends it commands, and kills it on dispose. See the top of peer.mjs for the command list.
/// </summary>
public sealed class JsPeer : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly List<JsonElement> _events = [];
    private readonly List<(string Name, Func<JsonElement, bool> Match, TaskCompletionSource<JsonElement> Done)> _waiters = [];
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<JsonElement> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stdoutLoop;
    private int _nextId;

    private JsPeer(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        _stdoutLoop = ReadStdoutAsync();
    }

    public PeerId PeerId { get; private set; } = null!;
    /// <summary>Listen addresses with <c>/p2p/</c>.</summary>
    public IReadOnlyList<Multiaddr> Addresses { get; private set; } = [];
    public IReadOnlyList<string> Protocols { get; private set; } = [];
    public Multiaddr TcpAddress => Addresses.First(a => a.ToTcpEndPoint() is not null);
    public string StandardError { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>The folder holding peer.mjs: walk up from the test binaries to the folder with Shoal.slnx. Fails (never skips) when npm ci has not run.</summary>
    public static string InteropDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Shoal.slnx"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("Shoal.slnx not found above " + AppContext.BaseDirectory);
        var interop = Path.Combine(dir.FullName, "interop");
        if (!Directory.Exists(Path.Combine(interop, "node_modules")))
            throw new InvalidOperationException($"{interop}/node_modules is missing: run ./setup.sh (npm ci --omit=peer in interop/).");
        return interop;
    }

    /// <summary>Starts peer.mjs with <paramref name="arguments"/> (e.g. "--seed", "x") and waits for its ready line.</summary>
    public static Task<JsPeer> StartAsync(params string[] arguments) => StartScriptAsync("peer.mjs", arguments);

    /// <summary>Starts another script of interop/ that speaks the same JSON-lines protocol (e.g. bitswap-peer.mjs).</summary>
    public static async Task<JsPeer> StartScriptAsync(string script, params string[] arguments)
    {
        var interop = InteropDirectory();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = interop,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--import");
        start.ArgumentList.Add("./polyfill.mjs");
        start.ArgumentList.Add(script);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var peer = new JsPeer(process);
        try
        {
            var ready = await peer._ready.Task.WaitAsync(DefaultTimeout);
            peer.PeerId = PeerId.Parse(ready.GetProperty("peerId").GetString()!);
            peer.Addresses = ready.GetProperty("addrs").EnumerateArray().Select(a => Multiaddr.Parse(a.GetString()!)).ToArray();
            peer.Protocols = ready.GetProperty("protocols").EnumerateArray().Select(a => a.GetString()!).ToArray();
            return peer;
        }
        catch (Exception e)
        {
            var stderr = peer.StandardError;
            await peer.DisposeAsync();
            throw new InvalidOperationException("js peer did not start: " + e.Message + "\nstderr:\n" + stderr, e);
        }
    }

    /// <summary>Sends a command (see peer.mjs) and returns its reply; throws with the js error when it failed.</summary>
    public async Task<JsonElement> SendAsync(string command, object? arguments = null, TimeSpan? timeout = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = arguments is null ? new JsonObject() : JsonSerializer.SerializeToNode(arguments)!.AsObject();
        message["id"] = id;
        message["cmd"] = command;
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        await _process.StandardInput.WriteLineAsync(message.ToJsonString());
        await _process.StandardInput.FlushAsync();
        JsonElement reply;
        try
        {
            reply = await tcs.Task.WaitAsync(timeout ?? DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"js peer did not answer '{command}' in time.\nstderr:\n{StandardError}");
        }
        if (!reply.GetProperty("ok").GetBoolean())
            throw new JsPeerException($"js peer failed '{command}': {reply.GetProperty("error").GetString()}");
        return reply;
    }

    /// <summary>Waits for an event line (e.g. "peer:identify") matching <paramref name="match"/>, including ones already seen.</summary>
    public Task<JsonElement> WaitForEventAsync(string name, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        match ??= _ => true;
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_events)
        {
            foreach (var e in _events)
                if (e.GetProperty("event").GetString() == name && match(e)) return Task.FromResult(e);
            _waiters.Add((name, match, tcs));
        }
        return tcs.Task.WaitAsync(timeout ?? DefaultTimeout);
    }

    private async Task ReadStdoutAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                JsonElement element;
                try { element = JsonDocument.Parse(line).RootElement.Clone(); }
                catch (JsonException) { lock (_stderr) _stderr.AppendLine("stdout (not JSON): " + line); continue; }
                if (element.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number)
                {
                    if (_pending.TryRemove(id.GetInt32(), out var tcs)) tcs.TrySetResult(element);
                    continue;
                }
                if (!element.TryGetProperty("event", out var ev)) continue;
                string name = ev.GetString() ?? "";
                if (name == "ready") { _ready.TrySetResult(element); continue; }
                lock (_events)
                {
                    _events.Add(element);
                    for (int i = _waiters.Count - 1; i >= 0; i--)
                    {
                        if (_waiters[i].Name == name && _waiters[i].Match(element))
                        {
                            _waiters[i].Done.TrySetResult(element);
                            _waiters.RemoveAt(i);
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
        var exited = new IOException("js peer exited.\nstderr:\n" + StandardError);
        _ready.TrySetException(exited);
        foreach (var p in _pending.Values) p.TrySetException(exited);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                try { await _process.WaitForExitAsync(grace.Token); }
                catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
            }
        }
        catch (InvalidOperationException) { }
        await _stdoutLoop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        _process.Dispose();
    }
}

public sealed class JsPeerException(string message) : Exception(message);
