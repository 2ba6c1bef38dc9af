using System.Diagnostics;

namespace Shoal.Lab.Drivers;

/// <summary>Starts a `shoal` process for one node somewhere (this machine, or a host over SSH).</summary>
public interface IDaemonLauncher
{
    /// <summary>Where this launcher runs node <paramref name="index"/>, for the report.</summary>
    string Describe(int index);

    /// <summary>A started process running `shoal` with these arguments, stdout and stderr redirected.</summary>
    Process Start(int index, IReadOnlyList<string> shoalArguments);

    /// <summary>A directory for node <paramref name="index"/>'s repository on the machine that runs it.</summary>
    string RepoPath(int index, string runId);

    /// <summary>Rewrites an address the daemon reported (e.g. 0.0.0.0 or 127.0.0.1) to one reachable from here.</summary>
    string Reachable(int index, string address);

    /// <summary>Removes what <see cref="RepoPath"/> created.</summary>
    void Cleanup(int index, string runId);

    /// <summary>The IPv4 address node <paramref name="index"/>'s HTTP API listens on (loopback, its namespace's management
    /// address with kernel links, all interfaces on remote hosts).</summary>
    string ApiHost(int index);

    /// <summary>The IPv4 address node <paramref name="index"/>'s swarm listens on (loopback, its namespace's address on the shaped
    /// bridge with kernel links, all interfaces on remote hosts).</summary>
    string ListenHost(int index);

    /// <summary>True when <see cref="Start"/>'s process is the daemon itself on this machine (so EventPipe can sample it).</summary>
    bool ProcessesAreLocal { get; }
}

/// <summary>Runs daemons on this machine: `dotnet shoal.dll` (or the given binary), repositories under the temp directory;
/// on loopback, or each in its namespace of a <see cref="KernelNetwork"/> when <see cref="Network"/> is set.</summary>
public sealed class LocalLauncher(string? shoalBinary) : IDaemonLauncher
{
    private readonly string _binary = shoalBinary ?? DefaultBinary();

    /// <summary>Kernel links of the current run (null: loopback).</summary>
    public KernelNetwork? Network { get; set; }

    public string Describe(int index) => Network is { } n ? n.Nodes[index].Namespace : "localhost";
    public string ApiHost(int index) => Network?.Nodes[index].ApiAddress ?? "127.0.0.1";
    public string ListenHost(int index) => Network?.Nodes[index].DataAddress ?? "127.0.0.1";
    public bool ProcessesAreLocal => true;

    public Process Start(int index, IReadOnlyList<string> shoalArguments)
    {
        IEnumerable<string> command = _binary.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ["dotnet", _binary] : [_binary];
        command = command.Concat(shoalArguments);
        if (Network is { } network) command = network.Wrap(index, command);
        var psi = new ProcessStartInfo(command.First());
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        psi.UseShellExecute = false;
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {_binary}");
    }

    public string RepoPath(int index, string runId) => Path.Combine(Path.GetTempPath(), $"shoal-lab-{runId}", $"node{index}");
    public string Reachable(int index, string address) => address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);

    public void Cleanup(int index, string runId)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"shoal-lab-{runId}");
        try { if (Directory.Exists(dir)) Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Removes the repositories that runs killed before their cleanup left under the temp directory
    /// (<c>shoal-lab-PID-…</c> whose process is gone, or is a newer process that reused the id). Returns how many.</summary>
    public static int RemoveStaleRepositories()
    {
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), "shoal-lab-*"))
        {
            var name = Path.GetFileName(dir);
            var dash = name.IndexOf('-', "shoal-lab-".Length);
            if (dash < 0 || !int.TryParse(name.AsSpan("shoal-lab-".Length, dash - "shoal-lab-".Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid == Environment.ProcessId || IsAliveSince(pid, Directory.GetCreationTimeUtc(dir))) continue;
            try { Directory.Delete(dir, true); removed++; } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    private static bool IsAliveSince(int pid, DateTime createdUtc)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited && p.StartTime.ToUniversalTime() <= createdUtc;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { return false; }
    }

    /// <summary>The shoal.dll of this process (the CLI running `lab run`), or one beside the Lab assembly.</summary>
    public static string DefaultBinary()
    {
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        if (entry is not null && Path.GetFileName(entry).Equals("shoal.dll", StringComparison.OrdinalIgnoreCase)) return entry;
        var beside = Path.Combine(AppContext.BaseDirectory, "shoal.dll");
        if (File.Exists(beside)) return beside;
        throw new FileNotFoundException("cannot find shoal.dll; pass --shoal PATH");
    }
}
