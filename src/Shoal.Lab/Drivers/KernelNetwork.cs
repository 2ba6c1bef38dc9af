using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Shoal.Lab.Drivers;

/// <summary>
/// Real links for the <c>local</c> driver: every node in its own network namespace with two veth pairs, one on a
/// <b>data</b> bridge (Bitswap traffic; shaped) and one on a <b>management</b> bridge (the HTTP API the driver talks to and
/// the content it reads back; not shaped). A node's upload is a <c>tbf</c> qdisc on its veth inside the namespace, its
/// download a <c>tbf</c> on the bridge side of the same pair, at its group's uplink and downlink rates; the queues are
/// drop-tail FIFOs, so several senders into one downlink share it the way TCP shares a switch port. Latency is not
/// emulated (this kernel has no netem): round trips are the veths' (tens of microseconds).
/// Everything is named after a random 6-hex-digit tag (namespaces <c>shoal-lab-TAG-nI</c>, links <c>shlTAG…</c>), owned
/// through a locked file <c>/run/shoal-lab/TAG.lock</c>, and removed on dispose, at process exit, or, after a crash,
/// by the next run (<see cref="RemoveStale"/>: a tag whose lock nobody holds).
/// Only the management bridge has an address in this machine's own namespace, in a /24 no route here already covers.
/// </summary>
public sealed partial class KernelNetwork : IAsyncDisposable, IDisposable
{
    public const string NamespacePrefix = "shoal-lab-";
    public const string LinkPrefix = "shl";

    /// <summary>tmpfs, cleared at boot together with every namespace and link, so a lock file never outlives its objects by a reboot.</summary>
    public const string StateDirectory = "/run/shoal-lab";

    /// <summary>Management /24s are 10.213.K.0/24 (K free on this machine); data /24s 10.214.K.0/24 exist only inside the namespaces.</summary>
    private const int ManagementOctet = 213;
    private const int DataOctet = 214;

    /// <summary>The drop-tail queue of each shaped link holds this much time at its rate (a switch port's buffer), plus one burst.</summary>
    private const double QueueSeconds = 0.020;

    /// <summary>At least one 64 KiB GSO packet (veths hand tbf offloaded super-packets), so tbf need not split them.</summary>
    private const long MinBurstBytes = 64 * 1024;

    /// <summary>Or 1 ms at the link's rate when that is larger (1 Gbit/s: 125 kB), so the token bucket refills smoothly.</summary>
    private const double BurstSeconds = 0.001;

    /// <summary>How long to wait for another run's subnet choice (it takes a few milliseconds).</summary>
    private static readonly TimeSpan AllocationLockTimeout = TimeSpan.FromSeconds(30);

    private readonly FileStream _lock;
    private readonly string _ip;
    private readonly string _tc;
    private readonly List<KernelNode> _nodes = [];
    private readonly EventHandler _onExit;
    private int _removed;

    public string Tag { get; }
    public IReadOnlyList<KernelNode> Nodes => _nodes;
    public string DataBridge => $"{LinkPrefix}{Tag}bd";
    public string ManagementBridge => $"{LinkPrefix}{Tag}bm";
    /// <summary>The management /24 (e.g. 10.213.7.0/24) and the data /24.</summary>
    public string ManagementSubnet { get; private set; } = "";
    public string DataSubnet { get; private set; } = "";

    private KernelNetwork(string tag, FileStream lockFile, string ip, string tc)
    {
        Tag = tag;
        _lock = lockFile;
        _ip = ip;
        _tc = tc;
        _onExit = (_, _) => Remove();
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    /// <summary>What keeps kernel links from working here (not Linux, not root, no iproute2), or null when they can be tried.
    /// <paramref name="searchPath"/> replaces PATH (tests).</summary>
    public static string? Unavailable(string? searchPath = null)
    {
        if (!OperatingSystem.IsLinux()) return "kernel links need Linux (network namespaces, veth pairs, tc)";
        if (!Environment.IsPrivilegedProcess) return "kernel links need root (network namespaces, veth pairs and tc qdiscs need CAP_NET_ADMIN); run as root or use --links shell";
        foreach (var tool in new[] { "ip", "tc" })
            if (FindTool(tool, searchPath) is null) return $"kernel links need `{tool}` (iproute2), not found on PATH or in /usr/sbin, /sbin; install iproute2 or use --links shell";
        return null;
    }

    /// <summary>Sets up and removes a one-node network (namespace, bridge, veth pair, tbf): null when that works, else why not.</summary>
    public static string? Probe(string? searchPath = null)
    {
        if (Unavailable(searchPath) is { } reason) return reason;
        try
        {
            using var net = Create([("probe", 125_000, 125_000)]);
        }
        catch (Exception e) when (e is KernelLinkException or IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
        return null;
    }

    /// <summary>Creates the network for <paramref name="nodes"/> (name, uplink and downlink in bytes per second; 0 or infinity =
    /// not shaped), after removing what killed runs left behind.</summary>
    public static Task<KernelNetwork> CreateAsync(IReadOnlyList<(string Name, double Uplink, double Downlink)> nodes, CancellationToken cancellationToken)
        => Task.Run(() => Create(nodes), cancellationToken);

    private static KernelNetwork Create(IReadOnlyList<(string Name, double Uplink, double Downlink)> nodes)
    {
        if (Unavailable() is { } reason) throw new KernelLinkException(reason);
        if (nodes.Count is 0 or > 250) throw new KernelLinkException($"kernel links: {nodes.Count} nodes (1 to 250 fit a /24)");
        RemoveStale();
        Directory.CreateDirectory(StateDirectory);
        while (true)
        {
            var tag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
            FileStream lockFile;
            try { lockFile = new FileStream(LockPath(tag), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (File.Exists(LockPath(tag))) { continue; }
            lockFile.Write(Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
            lockFile.Flush();
            var net = new KernelNetwork(tag, lockFile, FindTool("ip", null)!, FindTool("tc", null)!);
            try
            {
                net.SetUp(nodes);
                return net;
            }
            catch
            {
                net.Remove();
                throw;
            }
        }
    }

    private void SetUp(IReadOnlyList<(string Name, double Uplink, double Downlink)> nodes)
    {
        // The management bridge's address is chosen and taken under one machine-wide lock, so two runs never pick one /24.
        int k;
        using (AcquireAllocationLock())
        {
            k = FreeManagementOctet();
            ManagementSubnet = $"10.{ManagementOctet}.{k}.0/24";
            DataSubnet = $"10.{DataOctet}.{k}.0/24";
            IpBatch(null,
                $"link add {ManagementBridge} type bridge",
                $"link set dev {ManagementBridge} addrgenmode none",
                $"addr add 10.{ManagementOctet}.{k}.1/24 dev {ManagementBridge}",
                $"link set dev {ManagementBridge} up");
        }
        // The bridge's frames skip the machine's iptables (br_netfilter would pass them through FORWARD, which a host running
        // e.g. Docker sets to DROP): the experiment neither depends on nor touches the host's firewall.
        var root = new List<string>
        {
            $"link add {DataBridge} type bridge", $"link set dev {DataBridge} addrgenmode none",
            $"link set dev {DataBridge} type bridge {NoNetfilter}", $"link set dev {ManagementBridge} type bridge {NoNetfilter}",
            $"link set dev {DataBridge} up",
        };
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = new KernelNode(i, nodes[i].Name, $"{NamespacePrefix}{Tag}-n{i}", $"10.{DataOctet}.{k}.{i + 2}", $"10.{ManagementOctet}.{k}.{i + 2}",
                $"{LinkPrefix}{Tag}d{i}", nodes[i].Uplink, nodes[i].Downlink);
            _nodes.Add(node);
            var mgmt = $"{LinkPrefix}{Tag}m{i}";
            root.AddRange(
            [
                $"netns add {node.Namespace}",
                $"link add {node.HostDataLink} type veth peer name lan netns {node.Namespace}",
                $"link add {mgmt} type veth peer name mgmt netns {node.Namespace}",
                $"link set dev {node.HostDataLink} addrgenmode none",
                $"link set dev {mgmt} addrgenmode none",
                $"link set dev {node.HostDataLink} master {DataBridge} up",
                $"link set dev {mgmt} master {ManagementBridge} up",
            ]);
        }
        IpBatch(null, [.. root]);
        foreach (var node in _nodes)
        {
            IpBatch(node.Namespace,
                "link set dev lo up",
                "link set dev lan addrgenmode none",
                $"addr add {node.DataAddress}/24 dev lan",
                "link set dev lan up",
                "link set dev mgmt addrgenmode none",
                $"addr add {node.ApiAddress}/24 dev mgmt",
                "link set dev mgmt up");
            // Upload: the node's own side of the pair, in its namespace. Download: the bridge's side, in this one.
            Tc(node.Namespace, ["qdisc", "add", "dev", "lan", "root", "handle", "1:", .. Shaper(node.UplinkBytesPerSecond)]);
            Tc(null, ["qdisc", "add", "dev", node.HostDataLink, "root", "handle", "1:", .. Shaper(node.DownlinkBytesPerSecond)]);
        }
    }

    /// <summary>Per-bridge override of the br_netfilter sysctls (net.bridge.bridge-nf-call-*), leaving the machine's own setting alone.</summary>
    private const string NoNetfilter = "nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0";

    /// <summary>tbf at the rate (bits per second), burst and drop-tail limit; an unshaped link gets a plain FIFO (still counted).</summary>
    private static string[] Shaper(double bytesPerSecond)
    {
        if (!(bytesPerSecond > 0) || double.IsInfinity(bytesPerSecond)) return ["pfifo"];
        var burst = Math.Max(MinBurstBytes, (long)(bytesPerSecond * BurstSeconds));
        var limit = burst + (long)(bytesPerSecond * QueueSeconds);
        return ["tbf", "rate", ((long)(bytesPerSecond * 8)).ToString(CultureInfo.InvariantCulture) + "bit",
            "burst", burst.ToString(CultureInfo.InvariantCulture), "limit", limit.ToString(CultureInfo.InvariantCulture)];
    }

    /// <summary>The command line that runs <paramref name="command"/> in node <paramref name="index"/>'s namespace (same process id: <c>ip netns exec</c> execs it).</summary>
    public IReadOnlyList<string> Wrap(int index, IEnumerable<string> command) => [_ip, "netns", "exec", _nodes[index].Namespace, .. command];

    /// <summary>How often <see cref="WaitQuietAsync"/> reads the counters: several 20 ms queues' worth, so a link still draining shows.</summary>
    private static readonly TimeSpan QuietPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>Links moving less than this between two polls count as quiet: pings, identify and keep-alives, not blocks (a block is ≥ 64 KiB).</summary>
    private const long QuietBytes = 32 * 1024;

    /// <summary>Waited at most for the links to go quiet: a socket buffer of blocks drains in well under this at the slowest rates run.</summary>
    public static readonly TimeSpan QuietLimit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Waits until the shaped links stop carrying blocks (the bytes a sender's socket still held when the fetches ended), so the
    /// daemons' counters read next include every block that crossed, late duplicates too. Returns whether they went quiet.
    /// </summary>
    public async Task<bool> WaitQuietAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + QuietLimit;
        var last = Total(ReadCounters());
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(QuietPoll, ct).ConfigureAwait(false);
            var now = Total(ReadCounters());
            if (now - last < QuietBytes) return true;
            last = now;
        }
        return false;

        static long Total(IReadOnlyList<LinkCounter> counters) => counters.Sum(c => c.UploadBytes + c.DownloadBytes);
    }

    /// <summary>Every node's shaped-link counters now (bytes and drops since the network was made).</summary>
    public IReadOnlyList<LinkCounter> ReadCounters()
    {
        // Every download qdisc with one call (they all live in this namespace), then each namespace's upload qdisc.
        var downloads = RootQdiscs(Tc(null, ["-s", "-j", "qdisc", "show"]));
        var counters = new List<LinkCounter>(_nodes.Count);
        foreach (var node in _nodes)
        {
            if (!RootQdiscs(Tc(node.Namespace, ["-s", "-j", "qdisc", "show"])).TryGetValue("lan", out var up)) throw new KernelLinkException($"kernel links: no qdisc on lan in {node.Namespace}");
            if (!downloads.TryGetValue(node.HostDataLink, out var down)) throw new KernelLinkException($"kernel links: no qdisc on {node.HostDataLink}");
            counters.Add(new LinkCounter(node.Name, up.Bytes, down.Bytes, up.Drops, down.Drops));
        }
        return counters;
    }

    /// <summary>Bytes sent and packets dropped by the root qdisc of each device in `tc -s -j qdisc show` output.</summary>
    private static Dictionary<string, (long Bytes, long Drops)> RootQdiscs(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var roots = new Dictionary<string, (long Bytes, long Drops)>(StringComparer.Ordinal);
        foreach (var q in doc.RootElement.EnumerateArray())
            if (q.TryGetProperty("root", out var r) && r.ValueKind == JsonValueKind.True && q.TryGetProperty("dev", out var dev))
                roots[dev.GetString() ?? ""] = (q.GetProperty("bytes").GetInt64(), q.TryGetProperty("drops", out var d) ? d.GetInt64() : 0);
        return roots;
    }

    /// <summary>For the report: what the links are and where they live.</summary>
    public string Describe()
        => $"links kernel: each daemon in its own network namespace ({NamespacePrefix}{Tag}-n0..n{_nodes.Count - 1}) on bridge {DataBridge} ({DataSubnet}); " +
           "upload shaped by tc tbf on its veth, download by tbf on the bridge side, at its group's uplink/downlink, drop-tail queues of " +
           $"{QueueSeconds * 1000:0} ms; HTTP API and content read back over an unshaped management bridge ({ManagementSubnet}); " +
           "latency not emulated (no netem in this kernel): round trips are the veths' own";

    public ValueTask DisposeAsync()
    {
        Remove();
        return ValueTask.CompletedTask;
    }

    public void Dispose() => Remove();

    /// <summary>Kills whatever still runs in the namespaces, deletes the links, bridges and namespaces, releases the lock. Idempotent.</summary>
    private void Remove()
    {
        if (Interlocked.Exchange(ref _removed, 1) != 0) return;
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        var namespaces = Enumerable.Range(0, Math.Max(_nodes.Count, 1)).Select(i => $"{NamespacePrefix}{Tag}-n{i}").ToList();
        RemoveObjects(_ip, Tag, namespaces, null);
        try { File.Delete(LockPath(Tag)); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _lock.Dispose();
    }

    /// <summary>Removes the namespaces and links of every run whose lock nobody holds (a run killed before its cleanup), killing
    /// the daemons left in them. Returns the tags removed.</summary>
    public static IReadOnlyList<string> RemoveStale()
    {
        if (Unavailable() is not null) return [];
        var ip = FindTool("ip", null)!;
        var namespaces = ListNamespaces(ip);
        var links = ListLinks(ip);
        var tags = namespaces.Select(n => n.Tag).Concat(links.Select(l => l.Tag)).ToHashSet(StringComparer.Ordinal);
        if (Directory.Exists(StateDirectory))
            foreach (var f in Directory.EnumerateFiles(StateDirectory, "*.lock"))
                if (TagPattern().IsMatch(Path.GetFileNameWithoutExtension(f))) tags.Add(Path.GetFileNameWithoutExtension(f));
        var removed = new List<string>();
        foreach (var tag in tags.Order(StringComparer.Ordinal))
        {
            FileStream held;
            try
            {
                Directory.CreateDirectory(StateDirectory);
                // Taking the lock keeps a new run from choosing this tag while its remains are removed.
                held = new FileStream(LockPath(tag), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) { continue; } // held: a live run
            using (held)
            {
                RemoveObjects(ip, tag, Tagged(namespaces, tag), Tagged(links, tag));
                try { File.Delete(LockPath(tag)); } catch (IOException) { }
            }
            removed.Add(tag);
        }
        return removed;
    }

    /// <summary>Namespaces and links of <paramref name="tag"/> that still exist (empty once a run has cleaned up).</summary>
    public static IReadOnlyList<string> Leftovers(string tag)
    {
        var ip = FindTool("ip", null) ?? throw new KernelLinkException("`ip` not found");
        return [.. Tagged(ListNamespaces(ip), tag), .. Tagged(ListLinks(ip), tag)];
    }

    /// <summary>The names among <paramref name="objects"/> (namespaces or links) that belong to the run <paramref name="tag"/>.</summary>
    private static List<string> Tagged(IEnumerable<(string Name, string Tag)> objects, string tag)
        => objects.Where(o => o.Tag == tag).Select(o => o.Name).ToList();

    /// <summary>Process ids running in a namespace.</summary>
    public static IReadOnlyList<int> ProcessesIn(string ns)
    {
        var ip = FindTool("ip", null) ?? throw new KernelLinkException("`ip` not found");
        var (exit, output, _) = Run(ip, ["netns", "pids", ns], null);
        return exit != 0 ? [] : output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out var p) ? p : -1).Where(p => p > 0).ToList();
    }

    private static void RemoveObjects(string ip, string tag, IReadOnlyList<string> namespaces, IReadOnlyList<string>? links)
    {
        foreach (var ns in namespaces)
            foreach (var pid in ProcessesIn(ns))
            {
                try { using var p = Process.GetProcessById(pid); p.Kill(true); p.WaitForExit(5_000); }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { }
            }
        // Deleting the bridge side of a veth pair deletes both ends; a namespace with no process left goes with its name.
        links ??= Tagged(ListLinks(ip), tag);
        var commands = links.OrderBy(l => l.EndsWith("bd", StringComparison.Ordinal) || l.EndsWith("bm", StringComparison.Ordinal) ? 1 : 0)
            .Select(l => $"link del {l}").Concat(namespaces.Select(n => $"netns del {n}")).ToList();
        if (commands.Count > 0) Run(ip, ["-force", "-batch", "-"], string.Join('\n', commands) + "\n");
    }

    private static List<(string Name, string Tag)> ListNamespaces(string ip)
    {
        var (_, output, _) = Run(ip, ["netns", "list"], null);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => NamespacePattern().Match(l)).Where(m => m.Success)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
    }

    private static List<(string Name, string Tag)> ListLinks(string ip)
    {
        var (_, output, _) = Run(ip, ["-o", "link", "show"], null);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => LinkPattern().Match(l)).Where(m => m.Success)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
    }

    /// <summary>The first K in 0..255 whose 10.213.K.0/24 no route of this machine overlaps (a default route aside).</summary>
    private int FreeManagementOctet()
    {
        var (exit, output, error) = Run(_ip, ["-4", "-o", "route", "show", "table", "all"], null);
        if (exit != 0) throw new KernelLinkException($"kernel links: `ip route show table all` failed: {error.Trim()}");
        var used = new List<(uint Network, uint Mask)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var prefix = words.Length > 1 && RouteTypes.Contains(words[0]) ? words[1] : words[0];
            if (prefix == "default") continue;
            var slash = prefix.IndexOf('/', StringComparison.Ordinal);
            if (!IPAddress.TryParse(slash < 0 ? prefix : prefix[..slash], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) continue;
            var bits = slash < 0 ? 32 : int.Parse(prefix[(slash + 1)..], CultureInfo.InvariantCulture);
            var mask = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
            used.Add((ToUInt(address) & mask, mask));
        }
        for (var k = 0; k < 256; k++)
        {
            var network = (10u << 24) | ((uint)ManagementOctet << 16) | ((uint)k << 8);
            const uint mask24 = 0xFFFFFF00;
            // Two prefixes overlap when either contains the other: compare under the shorter mask.
            if (used.All(u => (network & u.Mask & mask24) != (u.Network & mask24))) return k;
        }
        throw new KernelLinkException($"kernel links: every 10.{ManagementOctet}.K.0/24 is in use on this machine");
    }

    private static readonly HashSet<string> RouteTypes = ["local", "broadcast", "unicast", "anycast", "multicast", "unreachable", "blackhole", "prohibit", "throw", "nat"];

    private static uint ToUInt(IPAddress a)
    {
        var b = a.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    private static FileStream AcquireAllocationLock()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try { return new FileStream(Path.Combine(StateDirectory, "allocate.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (deadline.Elapsed < AllocationLockTimeout) { Thread.Sleep(20); }
            catch (IOException e) { throw new KernelLinkException($"kernel links: {StateDirectory}/allocate.lock held for {AllocationLockTimeout.TotalSeconds:0} s by another run ({e.Message})"); }
        }
    }

    private void IpBatch(string? ns, params string[] commands)
    {
        string[] args = ns is null ? ["-batch", "-"] : ["-n", ns, "-batch", "-"];
        var (exit, _, error) = Run(_ip, args, string.Join('\n', commands) + "\n");
        if (exit != 0) throw new KernelLinkException($"kernel links: `ip {string.Join(' ', args)}` failed{(ns is null ? "" : $" in {ns}")}: {error.Trim()}");
    }

    private string Tc(string? ns, string[] args)
    {
        string[] full = ns is null ? args : ["-n", ns, .. args];
        var (exit, output, error) = Run(_tc, full, null);
        if (exit != 0) throw new KernelLinkException($"kernel links: `tc {string.Join(' ', full)}` failed: {error.Trim()}");
        return output;
    }

    private static (int Exit, string Output, string Error) Run(string file, IReadOnlyList<string> args, string? input)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new KernelLinkException($"could not start {file}");
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            p.StandardInput.Write(input);
            p.StandardInput.Close();
        }
        p.WaitForExit();
        return (p.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    private static string LockPath(string tag) => Path.Combine(StateDirectory, tag + ".lock");

    private static string? FindTool(string name, string? searchPath)
    {
        var dirs = (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        if (searchPath is null) dirs = [.. dirs, "/usr/sbin", "/sbin"];
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    [GeneratedRegex("^[0-9a-f]{6}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^(shoal-lab-([0-9a-f]{6})-\S+)")]
    private static partial Regex NamespacePattern();

    [GeneratedRegex(@"^\d+:\s+(shl([0-9a-f]{6})(?:bd|bm|[dm]\d+))(?:@\S+)?:")]
    private static partial Regex LinkPattern();
}
