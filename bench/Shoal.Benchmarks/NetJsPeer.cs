using System.Diagnostics;
using System.Text.Json;

namespace Shoal.Benchmarks;

/// <summary>A minimal driver for interop/peer.mjs in benchmarks (the tests use tests/Shoal.Interop.Tests/JsPeer.cs).</summary>
internal sealed class NetJsPeer : IAsyncDisposable
{
    private readonly Process _process;
    private int _id;

    private NetJsPeer(Process process, string peerId, string address)
    {
        _process = process;
        PeerId = peerId;
        Address = address;
    }

    public string PeerId { get; }
    public string Address { get; }

    public static string? FindInteropDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var interop = Path.Combine(dir.FullName, "interop");
            if (File.Exists(Path.Combine(dir.FullName, "Shoal.slnx")) && Directory.Exists(Path.Combine(interop, "node_modules"))) return interop;
        }
        return null;
    }

    public static async Task<NetJsPeer> StartAsync(string interop)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = interop, RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--import", "./polyfill.mjs", "peer.mjs" }) start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var ready = JsonDocument.Parse(await process.StandardOutput.ReadLineAsync() ?? throw new IOException("js peer exited")).RootElement;
        return new NetJsPeer(process, ready.GetProperty("peerId").GetString()!, ready.GetProperty("addrs")[0].GetString()!);
    }

    /// <summary>Sends one command (JSON object text without id) and waits for its reply, skipping event lines.</summary>
    public async Task<JsonElement> SendAsync(string command)
    {
        int id = ++_id;
        await _process.StandardInput.WriteLineAsync("{\"id\":" + id + "," + command[1..]);
        await _process.StandardInput.FlushAsync();
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            var element = JsonDocument.Parse(line).RootElement.Clone();
            if (!element.TryGetProperty("id", out var replyId) || replyId.GetInt32() != id) continue;
            if (!element.GetProperty("ok").GetBoolean()) throw new IOException("js peer: " + element.GetProperty("error").GetString());
            return element;
        }
        throw new IOException("js peer exited");
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try { await _process.WaitForExitAsync(grace.Token); }
        catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        _process.Dispose();
    }
}
