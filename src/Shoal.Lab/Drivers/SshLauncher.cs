using System.Diagnostics;
using Shoal.Lab.Definitions;

namespace Shoal.Lab.Drivers;

/// <summary>One host of a cluster inventory.</summary>
public sealed record InventoryHost(string Host, string? User, int Port, string Shoal, string WorkDir, string Address)
{
    /// <summary>Private key to log in with (ssh -i); null = ssh's defaults.</summary>
    public string? IdentityFile { get; init; }

    /// <summary>Extra ssh options as KEY=VALUE (ssh -o), e.g. UserKnownHostsFile=/tmp/known_hosts.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];
}

/// <summary>
/// Runs daemons on the hosts of an inventory over SSH (`ssh -o BatchMode=yes`), nodes spread round-robin.
/// Inventory YAML: <c>hosts: [{ host: 10.0.0.5, user: lab, port: 22, shoal: /usr/local/bin/shoal, workDir: /tmp, address: 10.0.0.5 }]</c>
/// (optional per host: <c>identityFile</c>, <c>options: [KEY=VALUE]</c> passed as ssh -o; a <c>shoal</c> ending in .dll runs with dotnet).
/// Each daemon runs under a small shell wrapper that kills it when the SSH session's stdin closes, so ending the local
/// ssh process (teardown, or a churn leave) ends the remote daemon too.
/// </summary>
public sealed class SshLauncher : IDaemonLauncher
{
    private readonly IReadOnlyList<InventoryHost> _hosts;

    public SshLauncher(IReadOnlyList<InventoryHost> hosts)
    {
        if (hosts.Count == 0) throw new ArgumentException("the inventory lists no host");
        _hosts = hosts;
    }

    public static SshLauncher FromInventory(string path)
    {
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(path)));
        var root = new YamlCursor(yaml.Documents[0].RootNode, "", path);
        root.OnlyKeys("hosts");
        var hosts = new List<InventoryHost>();
        foreach (var h in root.Field("hosts").Items())
        {
            h.OnlyKeys("host", "user", "port", "shoal", "workDir", "address", "identityFile", "options");
            var host = h.Field("host").String();
            var identity = h.Field("identityFile").OptionalString();
            if (identity is not null && !Path.IsPathRooted(identity)) identity = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, identity));
            var options = !h.Field("options").IsMissing ? h.Field("options").Items().Select(o => o.String()).ToList() : [];
            hosts.Add(new InventoryHost(host, h.Field("user").OptionalString(), h.Field("port").Int(22, 1, 65535),
                h.Field("shoal").String("shoal"), h.Field("workDir").String("/tmp"), h.Field("address").String(host))
            { IdentityFile = identity, Options = options });
        }
        return new SshLauncher(hosts);
    }

    private InventoryHost HostOf(int index) => _hosts[index % _hosts.Count];

    public string Describe(int index) => HostOf(index).Host;
    public string ApiHost(int index) => "0.0.0.0";
    public string ListenHost(int index) => "0.0.0.0";
    public bool ProcessesAreLocal => false;

    public Process Start(int index, IReadOnlyList<string> shoalArguments)
    {
        var h = HostOf(index);
        var psi = new ProcessStartInfo("ssh") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in SshArgs(h)) psi.ArgumentList.Add(a);
        // Without a terminal, sshd does not signal the remote command when the session ends: the wrapper runs the daemon in
        // the background and kills it once its own stdin (the session) reaches end of file.
        var command = h.Shoal.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? new[] { "dotnet", h.Shoal } : new[] { h.Shoal };
        psi.ArgumentList.Add("exec sh -c " + Quote(StopWithSession) + " shoal-lab " + string.Join(' ', command.Concat(shoalArguments).Select(Quote)));
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start ssh");
    }

    public string RepoPath(int index, string runId) => $"{HostOf(index).WorkDir.TrimEnd('/')}/shoal-lab-{runId}/node{index}";

    public string Reachable(int index, string address)
        => address.Replace("0.0.0.0", HostOf(index).Address, StringComparison.Ordinal).Replace("127.0.0.1", HostOf(index).Address, StringComparison.Ordinal);

    public void Cleanup(int index, string runId)
    {
        var h = HostOf(index);
        var psi = new ProcessStartInfo("ssh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in SshArgs(h)) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("rm -rf " + Quote($"{h.WorkDir.TrimEnd('/')}/shoal-lab-{runId}"));
        using var p = Process.Start(psi);
        p?.WaitForExit(30_000);
    }

    /// <summary>sh script: run "$@" in the background, wait for end of input, then kill it at once (as the local driver
    /// does: a churn leave is a crash, and teardown needs nothing graceful).</summary>
    private const string StopWithSession = "\"$@\" </dev/null & p=$!; while read -r _; do :; done; kill -9 $p 2>/dev/null; wait $p";

    private static IEnumerable<string> SshArgs(InventoryHost h)
    {
        if (h.IdentityFile is { } key) { yield return "-i"; yield return key; }
        foreach (var o in h.Options) { yield return "-o"; yield return o; }
        yield return "-o"; yield return "BatchMode=yes";
        yield return "-o"; yield return "StrictHostKeyChecking=accept-new";
        yield return "-p"; yield return h.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return h.User is null ? h.Host : $"{h.User}@{h.Host}";
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
