using System.Diagnostics;
using System.Text;

namespace Shoal.Node.Tests;

/// <summary>Runs the real `shoal` program (shoal.dll copied next to the tests) as a child process.</summary>
public static class ShoalCli
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "shoal.dll");

    /// <summary>Bounds every CLI call so a hung command fails the test instead of stalling the suite.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(25);

    public sealed record Result(int ExitCode, string Stdout, string Stderr, byte[] StdoutBytes)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("SHOAL", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(key);
        if (env is not null) foreach (var (k, v) in env) info.Environment[k] = v;
        return info;
    }

    public static async Task<Result> RunAsync(IEnumerable<string> args, IDictionary<string, string>? env = null, byte[]? stdin = null, TimeSpan? timeout = null)
    {
        using var process = Process.Start(StartInfo(args, env))!;
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        // Both pipes are read to their end (the process's exit, or its kill on timeout), so a timeout can say what
        // the command had printed: its progress bar shows how far it got.
        var stdoutTask = CopyAsync(process.StandardOutput.BaseStream);
        var stderrTask = CopyAsync(process.StandardError.BaseStream);
        try
        {
            if (stdin is not null) await process.StandardInput.BaseStream.WriteAsync(stdin, cts.Token);
            process.StandardInput.Close();
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            var partial = Encoding.UTF8.GetString(await stderrTask.WaitAsync(TimeSpan.FromSeconds(10)));
            throw new TimeoutException($"shoal {string.Join(' ', args)} did not finish in {timeout ?? DefaultTimeout}; its stderr so far:\n{partial}");
        }
        var bytes = await stdoutTask;
        return new Result(process.ExitCode, Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(await stderrTask), bytes);
    }

    public static Task<Result> RunAsync(params string[] args) => RunAsync((IEnumerable<string>)args);

    private static async Task<byte[]> CopyAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
