using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Shoal.Core;
using Shoal.Lab.Analysis;
using Shoal.Lab.Content;
using Shoal.Lab.Definitions;
using Shoal.Lab.Reports;
using Microsoft.Diagnostics.NETCore.Client;
using Shoal.Node;

namespace Shoal.Lab.Drivers;

/// <summary>
/// The <c>local</c> and <c>cluster</c> drivers: one real `shoal daemon` per cluster node (fresh repository, ports 0,
/// DHT off, the trial's Bitswap strategy), all connected to each other; seeders add the generated content through
/// the HTTP API, fetchers `cat` it at their start times and hash what they read; per-node figures come from the
/// daemons' Bitswap and bandwidth stats. Times are wall-clock. Each daemon's links run at its group's bandwidth:
/// <see cref="LinkModel.Kernel"/> (namespaces, veths, tc), <see cref="LinkModel.Shell"/> (Bitswap's pacing) or not at all;
/// latency, loss and CPU are the machine's, so the bound of the definitions does not apply; the report says so.
/// </summary>
public sealed class DaemonDriver(IDaemonLauncher launcher, string name, LinkModel? links = null) : ILabDriver
{
    /// <summary>Called after each trial run on kernel links with the bytes each node's shaped links carried during its fetches.</summary>
    public Action<TrialLinkCounters>? LinksMeasured { get; init; }

    /// <summary>The link model of the last run (resolved from the requested one: kernel when possible, else shell).</summary>
    public LinkModel? Links { get; private set; }

    /// <summary>The kernel links of the run in progress.</summary>
    private KernelNetwork? _network;

    /// <summary>More daemons than this on one machine would measure the machine, not the protocol.</summary>
    public const int MaxNodes = 64;

    /// <summary>How long a daemon may take to print its info line.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    public string Name => name;

    public async Task<ExperimentOutput> RunAsync(ScenarioDefinition scenario, ExperimentOptions options, IProgress<LabProgress>? progress, CancellationToken cancellationToken)
    {
        if (scenario.Cluster.NodeCount > MaxNodes)
            throw new ArgumentException($"the {name} driver runs at most {MaxNodes} daemons; {scenario.Name} has {scenario.Cluster.NodeCount} nodes");
        var wall = Stopwatch.StartNew();
        // Ctrl-C or SIGTERM end the run through its cancellation, so the daemons are killed and kernel links removed before the
        // process exits (by default .NET ends at once on SIGINT, leaving both behind). A second signal is not held.
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext c)
        {
            if (interrupted.IsCancellationRequested) return;
            c.Cancel = true;
            interrupted.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        cancellationToken = interrupted.Token;
        var notes = new List<string>
        {
            $"{name}: real daemons, wall-clock times; links as the next note says, but latency and CPU are the machine's, so the bound from the cluster definition does not apply to these times",
        };
        // What runs killed outright left behind: their repositories here (kernel links clean their own leftovers).
        if (launcher is LocalLauncher) LocalLauncher.RemoveStaleRepositories();
        var (model, why) = ChooseLinks();
        Links = model;
        if (model == LinkModel.Kernel)
        {
            var nodes = ClusterNode.Expand(scenario.Cluster);
            try
            {
                _network = await KernelNetwork.CreateAsync(nodes.Select(n => (n.Name, n.Group.UplinkBytesPerSecond, n.Group.DownlinkBytesPerSecond)).ToList(), cancellationToken).ConfigureAwait(false);
            }
            catch (KernelLinkException e) when (links is null)
            {
                (model, why) = (LinkModel.Shell, $"kernel links failed: {e.Message}");
                Links = model;
            }
        }
        notes.Add(model switch
        {
            LinkModel.Kernel => _network!.Describe(),
            LinkModel.Shell => "links shell: loopback; each daemon's block upload and download paced in its Bitswap shell at its group's bandwidth (Bitswap.MaxUploadBytesPerSecond / MaxDownloadBytesPerSecond; the download cap is first come, first served, not shared fairly among senders); latency not modelled",
            _ => "links none: loopback, not shaped; the machine's CPU is the only limit",
        } + (why is null ? "" : $" ({why})"));
        progress?.Report(new LabProgress("", 0, 0, $"links {LinkModels.Name(model)}{(_network is { } net ? $": namespaces {KernelNetwork.NamespacePrefix}{net.Tag}-n*, bridge {net.DataBridge}" : "")}"));
        try
        {
            return await RunTrialsAsync(scenario, options, progress, wall, notes, model, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (_network is { } network)
            {
                _network = null;
                if (launcher is LocalLauncher local) local.Network = null;
                await network.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The requested link model, or the default: kernel when this launcher runs daemons here and root and iproute2
    /// are there, else shell. Returns why the default fell back, for the report.</summary>
    private (LinkModel Model, string? Why) ChooseLinks()
    {
        if (links is { } requested)
        {
            if (requested == LinkModel.Kernel)
            {
                if (launcher is not LocalLauncher) throw new ArgumentException($"--links kernel: the {name} driver cannot put daemons in namespaces of this machine (use --links shell or none)");
                if (KernelNetwork.Unavailable() is { } reason) throw new KernelLinkException(reason);
            }
            return (requested, null);
        }
        if (launcher is not LocalLauncher) return (LinkModel.Shell, $"default for the {name} driver");
        return KernelNetwork.Unavailable() is { } unavailable ? (LinkModel.Shell, $"kernel links unavailable: {unavailable}") : (LinkModel.Kernel, null);
    }

    private async Task<ExperimentOutput> RunTrialsAsync(ScenarioDefinition scenario, ExperimentOptions options, IProgress<LabProgress>? progress, Stopwatch wall, List<string> notes, LinkModel model, CancellationToken cancellationToken)
    {
        if (_network is not null && launcher is LocalLauncher local) local.Network = _network;
        var seed = options.Seed ?? scenario.RandomSeed;
        var repetitions = options.Repetitions ?? scenario.Repetitions;
        var synthetic = ContentCatalog.Synthetic(scenario.Objects);
        var bound = LowerBound.Compute(scenario, synthetic, seed);
        var objectBytes = scenario.Fetch.Max(f => f.Objects.Sum(o => scenario.Object(o).TotalBytes));
        var runs = new List<TrialResult>();
        var summaries = new List<TrialSummary>();
        var artifacts = new Dictionary<string, TrialArtifacts>();
        var walls = new Dictionary<string, double>();
        foreach (var peer in SimDriver.SelectTrials(scenario, options.Strategies))
        {
            if (peer.Strategy is "registry" or "ideal")
            {
                notes.Add($"{peer.Name}: not run: the {name} driver runs Shoal daemons only (strategies bitswap-1.1, bitswap-1.2, shoal)");
                continue;
            }
            var trialWall = Stopwatch.StartNew();
            var trialRuns = new List<TrialResult>();
            for (var rep = 0; rep < repetitions; rep++)
            {
                var repSeed = rep == 0 ? seed : Shoal.Core.StableHash.Combine(seed, rep) & int.MaxValue;
                // CPU samples of every daemon (EventPipe) for the first repetition, when the daemons run on this machine.
                var trialArtifacts = rep == 0 && options.Traces ? new TrialArtifacts() : null;
                trialRuns.Add(await RunTrialAsync(scenario, peer, rep, repSeed, trialArtifacts is not null && launcher.ProcessesAreLocal, trialArtifacts, model, notes, progress, cancellationToken).ConfigureAwait(false));
                if (trialArtifacts is not null)
                {
                    artifacts[peer.Name] = trialArtifacts;
                    notes.AddRange(trialArtifacts.Notes.Select(n => $"{peer.Name}: {n}"));
                }
            }
            runs.AddRange(trialRuns);
            walls[peer.Name] = trialWall.Elapsed.TotalSeconds;
            // Bound 0: unshaped links, so no ratio to the definitions' bound is claimed.
            summaries.Add(Statistics.Summarise(peer.Name, peer.Strategy, $"shoal daemon --strategy {peer.Strategy} ({peer.Build}), links {LinkModels.Name(model)}", trialRuns, 0, objectBytes));
        }
        var result = new ExperimentResult
        {
            Scenario = scenario.Name, Description = scenario.Description, ScenarioFile = scenario.SourceFile, Driver = name, Seed = seed,
            Nodes = scenario.Cluster.NodeCount, ObjectBytes = objectBytes, Bound = bound, Summaries = summaries, Runs = runs, Notes = notes,
            Host = HostFacts.Capture(wall.Elapsed.TotalSeconds, Environment.MachineName, walls),
        };
        return new ExperimentOutput(result, artifacts);
    }

    private sealed class Daemon
    {
        public required int Index;
        public required Process Process;
        public required DaemonInfo Info;
        public required ShoalApiClient Api;
        public required string SwarmAddress;
        /// <summary>Reads the daemon's stdout to its end so it never blocks on a full pipe; awaited at teardown.</summary>
        public required Task Drain;
    }

    /// <summary>Counters of one daemon process (stats/bw and stats/bitswap), so a rejoined node's two processes add up.</summary>
    private readonly record struct Tally(long BytesIn, long BytesOut, long DataIn, long DataOut, long BlocksIn, long BlocksOut, long Dups, long DupBytes, long Messages)
    {
        public static Tally Of(BandwidthStatResult bw, BitswapStatResult bs)
            => new(bw.TotalIn, bw.TotalOut, bs.DataReceived, bs.DataSent, bs.BlocksReceived, bs.BlocksSent, bs.DupBlksReceived, bs.DupDataReceived, bs.MessagesReceived);

        public static Tally operator +(Tally a, Tally b) => new(a.BytesIn + b.BytesIn, a.BytesOut + b.BytesOut, a.DataIn + b.DataIn, a.DataOut + b.DataOut,
            a.BlocksIn + b.BlocksIn, a.BlocksOut + b.BlocksOut, a.Dups + b.Dups, a.DupBytes + b.DupBytes, a.Messages + b.Messages);

        public static Tally operator -(Tally a, Tally b) => new(a.BytesIn - b.BytesIn, a.BytesOut - b.BytesOut, a.DataIn - b.DataIn, a.DataOut - b.DataOut,
            a.BlocksIn - b.BlocksIn, a.BlocksOut - b.BlocksOut, a.Dups - b.Dups, a.DupBytes - b.DupBytes, a.Messages - b.Messages);
    }

    /// <summary>How long one daemon's stats (stats/bw + stats/bitswap) may take; they answer in milliseconds when healthy.</summary>
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for a leaving daemon's last counters before killing it.</summary>
    private static readonly TimeSpan LastStatsTimeout = TimeSpan.FromSeconds(5);

    private async Task<TrialResult> RunTrialAsync(ScenarioDefinition scenario, PeerDefinition peer, int rep, int seed, bool profile, TrialArtifacts? artifacts, LinkModel model, List<string> notes, IProgress<LabProgress>? progress, CancellationToken ct)
    {
        var nodes = ClusterNode.Expand(scenario.Cluster);
        var random = new Random(seed);
        var runId = $"{Environment.ProcessId}-{peer.Name}-{rep}-{Guid.NewGuid():N}"[..40];
        var daemons = new Daemon?[nodes.Count];
        var profilers = new List<(int Node, DaemonProfiler Profiler)>();
        var profileDir = Path.Combine(Path.GetTempPath(), $"shoal-lab-profile-{runId}");
        try
        {
            // Who seeds, fetches and churns: drawn in the simulator's order (seed, fetch, churn) from the trial's seed.
            var seeding = scenario.Seed.Select(stage => (Stage: stage, Nodes: stage.Query.Select(nodes, random))).ToList();
            var fetches = new List<(int Node, TimeSpan At, List<string> Parts)>();
            foreach (var stage in scenario.Fetch)
            {
                var selected = stage.Query.Select(nodes, random);
                for (var i = 0; i < selected.Count; i++)
                    fetches.Add((selected[i].Index, stage.Start + i * stage.Stagger,
                        stage.Objects.Select(scenario.Object).SelectMany(o => Enumerable.Range(0, o.PartSizes.Count).Select(p => ContentCatalog.PartName(o, p))).ToList()));
            }
            var churn = scenario.Churn.SelectMany(c => c.Query.Select(nodes, random).Select(n => (Event: c, Node: n.Index))).ToList();
            // Nodes that only join later are not started until then.
            var lateJoiners = churn.Where(c => c.Event.Leave is null && c.Event.Join is not null).Select(c => c.Node).ToHashSet();
            var rejoins = churn.Where(c => c.Event.Join is not null).Select(c => c.Node).ToHashSet();

            progress?.Report(new LabProgress(peer.Name, rep, 0, "starting daemons"));
            var first = nodes.Where(n => !lateJoiners.Contains(n.Index)).ToList();
            var started = await Task.WhenAll(first.Select(n => StartDaemonAsync(n, peer, runId, model, ct))).ConfigureAwait(false);
            foreach (var d in started) daemons[d.Index] = d;
            // Full mesh, as the simulator's default: i dials every j > i.
            foreach (var a in first)
                await Task.WhenAll(first.Where(b => b.Index > a.Index).Select(b => daemons[a.Index]!.Api.SwarmConnectAsync(daemons[b.Index]!.SwarmAddress, ct))).ConfigureAwait(false);

            // Seed: every holder adds the same generated parts (same bytes, same profile → same CIDs).
            var roots = new Dictionary<string, (Cid Root, long Size, byte[] Sha256)>();
            var isSeeder = new bool[nodes.Count];
            var lateSeeds = new List<(int Node, ObjectDefinition Object)>();
            async Task SeedAsync(int node, ObjectDefinition o)
            {
                for (var p = 0; p < o.PartSizes.Count; p++)
                {
                    var partName = ContentCatalog.PartName(o, p);
                    await using var content = UnixFsCatalogBuilder.PartContent(seed, partName, o.PartSizes[p]);
                    var added = await daemons[node]!.Api.AddAsync(content, partName, new AddOptions(o.Profile, ChunkSize: o.ChunkSize), null, ct).ConfigureAwait(false);
                    if (!roots.ContainsKey(partName))
                    {
                        await using var again = UnixFsCatalogBuilder.PartContent(seed, partName, o.PartSizes[p]);
                        roots[partName] = (Cid.Parse(added.Hash), o.PartSizes[p], await SHA256.HashDataAsync(again, ct).ConfigureAwait(false));
                    }
                }
            }
            foreach (var (stage, selected) in seeding)
                foreach (var node in selected)
                    foreach (var o in stage.Objects.Select(scenario.Object))
                    {
                        isSeeder[node.Index] = true;
                        if (lateJoiners.Contains(node.Index)) lateSeeds.Add((node.Index, o));
                        else await SeedAsync(node.Index, o).ConfigureAwait(false);
                    }
            foreach (var o in scenario.Objects)
                for (var p = 0; p < o.PartSizes.Count; p++)
                    if (!roots.ContainsKey(ContentCatalog.PartName(o, p)))
                    {
                        // Fetched but seeded nowhere yet: its CID is still needed to ask for it.
                        var partName = ContentCatalog.PartName(o, p);
                        await using var content = UnixFsCatalogBuilder.PartContent(seed, partName, o.PartSizes[p]);
                        var imported = await UnixFsImporter.ImportAsync(content, new MemoryBlockStore(), UnixFsImportOptions.FromProfile(o.Profile) with { ChunkSize = o.ChunkSize }, null, ct).ConfigureAwait(false);
                        await using var again = UnixFsCatalogBuilder.PartContent(seed, partName, o.PartSizes[p]);
                        roots[partName] = (imported.Root, o.PartSizes[p], await SHA256.HashDataAsync(again, ct).ConfigureAwait(false));
                    }

            // Counters: what earlier processes of a node did (before a leave), and each live process's baseline.
            var carried = new Tally[nodes.Count];
            var statsFailures = new List<string>();
            var baseline = new Tally[nodes.Count];
            async Task<Tally?> StatsAsync(Daemon d, CancellationToken token)
            {
                // Bounded: a daemon whose stats call does not answer must not hold up the run (seen: stats/bitswap hanging).
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(token);
                bounded.CancelAfter(StatsTimeout);
                try
                {
                    var bw = await d.Api.BandwidthStatAsync(bounded.Token).WaitAsync(bounded.Token).ConfigureAwait(false);
                    var bs = await d.Api.BitswapStatAsync(bounded.Token).WaitAsync(bounded.Token).ConfigureAwait(false);
                    return Tally.Of(bw, bs);
                }
                catch (Exception e) when (e is HttpRequestException or ShoalApiException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    lock (statsFailures) statsFailures.Add($"{nodes[d.Index].Name}: stats not read ({(e is OperationCanceledException ? $"no answer within {StatsTimeout.TotalSeconds:0} s" : e.Message)})");
                    return null;
                }
            }
            foreach (var d in daemons)
                if (d is not null) baseline[d.Index] = await StatsAsync(d, ct).ConfigureAwait(false) ?? default;

            void StartProfiling(Daemon d)
            {
                if (!profile) return;
                Directory.CreateDirectory(profileDir);
                try { lock (profilers) profilers.Add((d.Index, DaemonProfiler.Start(d.Process.Id, Path.Combine(profileDir, $"node{d.Index}-{profilers.Count}.nettrace")))); }
                catch (Exception e) when (e is ServerNotAvailableException or IOException or UnauthorizedAccessException or TimeoutException)
                {
                    artifacts?.Notes.Add($"{nodes[d.Index].Name}: no CPU samples ({e.GetType().Name}: {e.Message})");
                }
            }
            foreach (var d in daemons) if (d is not null) StartProfiling(d);

            // Shaped-link counters around the fetches (seeding and the API are on the management bridge, not counted).
            var linksBefore = _network?.ReadCounters();
            progress?.Report(new LabProgress(peer.Name, rep, 0, "fetching"));
            var clock = Stopwatch.StartNew();
            var starts = new double?[nodes.Count];
            var firsts = new double?[nodes.Count];
            var finishes = new double?[nodes.Count];
            var verified = new bool?[nodes.Count];
            var gone = new bool[nodes.Count];
            // Completed when the node is online (again); replaced when it leaves.
            var onlineSignal = nodes.Select(n => lateJoiners.Contains(n.Index) ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : Completed()).ToArray();
            var churnGate = new SemaphoreSlim(1, 1);
            var timeout = scenario.Timeout;
            using var trialCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            trialCts.CancelAfter(timeout);

            async Task LeaveAsync(int node)
            {
                var d = daemons[node];
                if (d is null) return;
                using (var quick = CancellationTokenSource.CreateLinkedTokenSource(trialCts.Token))
                {
                    quick.CancelAfter(LastStatsTimeout);
                    if (await StatsAsync(d, quick.Token).ConfigureAwait(false) is { } last) carried[node] += last - baseline[node];
                }
                baseline[node] = default;
                onlineSignal[node] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                daemons[node] = null;
                if (!rejoins.Contains(node)) gone[node] = true;
                // End its sampling first, so the trace gets the method names (a killed process writes no rundown).
                List<DaemonProfiler> sampling;
                lock (profilers) sampling = profilers.Where(p => p.Node == node).Select(p => p.Profiler).ToList();
                foreach (var p in sampling) await p.StopAsync(trialCts.Token).ConfigureAwait(false);
                try { d.Process.Kill(true); } catch (InvalidOperationException) { }
                await StopAsync(d).ConfigureAwait(false);
            }

            async Task JoinAsync(int node)
            {
                if (daemons[node] is not null) return;
                // Same repository (the blocks it had), same identity, new ports.
                var d = await StartDaemonAsync(nodes[node], peer, runId, model, trialCts.Token).ConfigureAwait(false);
                daemons[node] = d;
                baseline[node] = await StatsAsync(d, trialCts.Token).ConfigureAwait(false) ?? default;
                StartProfiling(d);
                foreach (var other in daemons)
                    if (other is not null && other.Index != node)
                    {
                        try { await d.Api.SwarmConnectAsync(other.SwarmAddress, trialCts.Token).ConfigureAwait(false); }
                        catch (Exception e) when (e is HttpRequestException or ShoalApiException or IOException) { }
                    }
                foreach (var (n, o) in lateSeeds.Where(s => s.Node == node).ToList()) await SeedAsync(n, o).ConfigureAwait(false);
                onlineSignal[node].TrySetResult();
            }

            var churnTasks = churn.SelectMany(x => new[]
                {
                    x.Event.Leave is { } leave ? (At: leave, Node: x.Node, Join: false) : default((TimeSpan At, int Node, bool Join)?),
                    x.Event.Join is { } join ? (At: join, Node: x.Node, Join: true) : null,
                }.OfType<(TimeSpan At, int Node, bool Join)>())
                .Select(async c =>
                {
                    await Task.Delay(c.At, trialCts.Token).ConfigureAwait(false);
                    await churnGate.WaitAsync(trialCts.Token).ConfigureAwait(false);
                    try
                    {
                        if (c.Join) await JoinAsync(c.Node).ConfigureAwait(false);
                        else await LeaveAsync(c.Node).ConfigureAwait(false);
                    }
                    finally { churnGate.Release(); }
                }).ToList();

            var fetchTasks = fetches.Select(async f =>
            {
                await Task.Delay(f.At, trialCts.Token).ConfigureAwait(false);
                starts[f.Node] ??= clock.Elapsed.TotalSeconds;
                while (true)
                {
                    if (gone[f.Node]) return;
                    // Offline (not joined yet, or left and will rejoin): wait until it is back.
                    await onlineSignal[f.Node].Task.WaitAsync(trialCts.Token).ConfigureAwait(false);
                    var d = daemons[f.Node];
                    if (d is null) continue;
                    try
                    {
                        var ok = true;
                        await Task.WhenAll(f.Parts.Select(async part =>
                        {
                            var (root, size, sha) = roots[part];
                            await using var stream = await d.Api.CatAsync(root, 0, null, trialCts.Token).ConfigureAwait(false);
                            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                            var buffer = new byte[81920];
                            long total = 0;
                            int n;
                            while ((n = await stream.Stream.ReadAsync(buffer, trialCts.Token).ConfigureAwait(false)) > 0)
                            {
                                firsts[f.Node] ??= clock.Elapsed.TotalSeconds;
                                hash.AppendData(buffer, 0, n);
                                total += n;
                            }
                            if (total != size || !hash.GetHashAndReset().AsSpan().SequenceEqual(sha)) ok = false;
                        })).WaitAsync(trialCts.Token).ConfigureAwait(false); // stop waiting at the timeout even if a read ignores it
                        // A daemon that left meanwhile (a remote one may take a moment to die) did not finish: wait for its return.
                        if (daemons[f.Node] != d) continue;
                        finishes[f.Node] = clock.Elapsed.TotalSeconds;
                        verified[f.Node] = ok;
                        progress?.Report(new LabProgress(peer.Name, rep, clock.Elapsed.TotalSeconds, "running"));
                        return;
                    }
                    catch (Exception e) when (e is HttpRequestException or ShoalApiException or IOException or OperationCanceledException
                                              && daemons[f.Node] != d && !trialCts.IsCancellationRequested)
                    {
                        // The daemon was killed by churn in the middle of the fetch: start over once it is back (its blocks are kept).
                    }
                }
            }).ToList();
            string? failure = null;
            try { await Task.WhenAll(fetchTasks).WaitAsync(trialCts.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException or ShoalApiException or IOException)
            {
                failure = trialCts.IsCancellationRequested && !ct.IsCancellationRequested
                    ? $"timed out after {timeout.TotalSeconds:0} s with {fetches.Count(f => finishes[f.Node] is null && !gone[f.Node])} fetchers unfinished"
                    : $"fetch failed: {e.Message}";
                ct.ThrowIfCancellationRequested();
            }
            var total = clock.Elapsed.TotalSeconds;
            // No churn after the last fetch: wait for pending churn steps to settle before reading counters.
            await churnGate.WaitAsync(ct).ConfigureAwait(false);

            // Kernel links: let blocks still in flight (a seeder's socket buffer when its askers finished) land first, so the
            // counters below include them and agree with the links' own.
            if (linksBefore is not null && _network is { } draining && !await draining.WaitQuietAsync(ct).ConfigureAwait(false))
                notes.Add($"{peer.Name} #{rep}: the shaped links were still busy {KernelNetwork.QuietLimit.TotalSeconds:0} s after the fetches ended; late blocks may be missing from the counters");

            var results = new List<NodeResult>();
            var fetcherSet = fetches.Select(f => f.Node).ToHashSet();
            for (var i = 0; i < nodes.Count; i++)
            {
                var t = carried[i];
                if (daemons[i] is { } d && await StatsAsync(d, ct).ConfigureAwait(false) is { } now) t += now - baseline[i];
                var role = isSeeder[i] && fetcherSet.Contains(i) ? "seeder+leecher" : isSeeder[i] ? "seeder" : fetcherSet.Contains(i) ? "leecher" : "idle";
                results.Add(new NodeResult
                {
                    Name = nodes[i].Name, Group = nodes[i].Group.Name, Region = nodes[i].Region, Role = role,
                    Start = starts[i], FirstByte = firsts[i], Finish = finishes[i],
                    BytesIn = t.BytesIn, BytesOut = t.BytesOut, DataIn = t.DataIn, DataOut = t.DataOut,
                    BlocksReceived = (int)t.BlocksIn, BlocksSent = (int)t.BlocksOut, DupBlocks = (int)t.Dups, DupBytes = t.DupBytes,
                    MessagesIn = (int)t.Messages,
                    Verified = fetcherSet.Contains(i) ? verified[i] ?? false : null,
                });
            }
            // Read after the daemons' stats, so every block they count as received has crossed its links by now.
            if (linksBefore is not null && _network is { } network)
            {
                var measured = network.ReadCounters().Zip(linksBefore, (after, before) => after - before).ToList();
                notes.Add($"{peer.Name} #{rep}: shaped-link bytes up/down (tc counters, frames with headers; drops): " +
                          string.Join(", ", measured.Select(c => $"{c.Node} {Megabytes(c.UploadBytes)}/{Megabytes(c.DownloadBytes)} MB ({c.UploadDrops}/{c.DownloadDrops})")));
                LinksMeasured?.Invoke(new TrialLinkCounters(peer.Name, rep, network.Tag, measured));
            }
            trialCts.Cancel();
            try { await Task.WhenAll(churnTasks).ConfigureAwait(false); } catch (OperationCanceledException) { }

            if (artifacts is not null)
            {
                artifacts.Notes.AddRange(statsFailures);
                artifacts.NodeNames.AddRange(nodes.Select(n => n.Name));
                artifacts.WallSeconds = total;
                await CollectProfilesAsync(profilers, nodes, artifacts, ct).ConfigureAwait(false);
            }
            var done = results.Count(r => r.Verified == true && r.Finish is not null);
            progress?.Report(new LabProgress(peer.Name, rep, total, failure ?? "done"));
            return new TrialResult
            {
                Trial = peer.Name, Strategy = peer.Strategy, Repetition = rep, Seed = seed, Driver = name, Nodes = results,
                TotalTime = finishes.Where(f => f is not null).Select(f => f!.Value).DefaultIfEmpty(total).Max(),
                Fetchers = fetcherSet.Count(i => !gone[i]), Completed = done, Failure = failure,
            };
        }
        finally
        {
            foreach (var (_, p) in profilers) await p.DisposeAsync().ConfigureAwait(false);
            foreach (var d in daemons)
            {
                if (d is null) continue;
                try { if (!d.Process.HasExited) d.Process.Kill(true); } catch (InvalidOperationException) { }
                await StopAsync(d).ConfigureAwait(false);
            }
            for (var i = 0; i < nodes.Count; i++) launcher.Cleanup(i, runId);
            try { if (Directory.Exists(profileDir)) Directory.Delete(profileDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    private static TaskCompletionSource Completed()
    {
        var t = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        t.SetResult();
        return t;
    }

    private static async Task StopAsync(Daemon d)
    {
        try { await d.Process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false); }
        catch (TimeoutException) { }
        try { await d.Drain.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false); }
        catch (TimeoutException) { }
        d.Process.Dispose();
        await d.Api.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Ends the daemons' sampling sessions and folds their stacks under each node's name (one flame graph per trial).</summary>
    private static async Task CollectProfilesAsync(List<(int Node, DaemonProfiler Profiler)> profilers, IReadOnlyList<ClusterNode> nodes, TrialArtifacts artifacts, CancellationToken ct)
    {
        // All sessions end at once (each waits for its daemon's method rundown), then the traces are folded side by side.
        await Task.WhenAll(profilers.Select(x => x.Profiler.StopAsync(ct))).ConfigureAwait(false);
        foreach (var (_, p) in profilers) await p.DisposeAsync().ConfigureAwait(false);
        var folded = new Dictionary<string, long>?[profilers.Count];
        var errors = new string?[profilers.Count];
        Parallel.For(0, profilers.Count, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var (node, p) = profilers[i];
            if (!p.Complete) { errors[i] = $"{nodes[node].Name}: no CPU samples (its EventPipe session did not end in time)"; return; }
            try { folded[i] = EventPipeStacks.Fold(p.Path, nodes[node].Name); }
            catch (Exception e) when (e is IOException or InvalidOperationException or FormatException or EndOfStreamException or ApplicationException)
            {
                errors[i] = $"{nodes[node].Name}: its CPU samples could not be read ({e.GetType().Name}: {e.Message})";
            }
        });
        for (var i = 0; i < profilers.Count; i++)
        {
            if (errors[i] is { } error) artifacts.Notes.Add(error);
            foreach (var (stack, micros) in folded[i] ?? [])
                artifacts.Profile[stack] = artifacts.Profile.GetValueOrDefault(stack) + micros;
        }
    }

    private async Task<Daemon> StartDaemonAsync(ClusterNode node, PeerDefinition peer, string runId, LinkModel model, CancellationToken ct)
    {
        int index = node.Index;
        var args = new List<string>
        {
            "--repo", launcher.RepoPath(index, runId), "--json", "--api", $"{launcher.ApiHost(index)}:0",
            "daemon", "--init", "--init-profile", "test", "--listen", $"/ip4/{launcher.ListenHost(index)}/tcp/0", "--gateway", "",
            "--dht-mode", "off", "--strategy", peer.Strategy,
        };
        // Shell links: the group's bandwidth caps the daemon's block upload and download, so loopback has the links the
        // simulator models (a peer option can override them). Kernel links shape the veths instead.
        if (model == LinkModel.Shell)
            foreach (var (key, rate) in new[] { ("MaxUploadBytesPerSecond", node.Group.UplinkBytesPerSecond), ("MaxDownloadBytesPerSecond", node.Group.DownlinkBytesPerSecond) })
                if (rate is > 0 and < long.MaxValue)
                {
                    args.Add("--set");
                    args.Add($"Bitswap.{key}={(long)rate}");
                }
        foreach (var (k, v) in peer.Options) { args.Add("--set"); args.Add($"{k}={v}"); }
        var process = launcher.Start(index, args);
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartTimeout);
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"daemon {index} on {launcher.Describe(index)} exited before it was ready: {stderr}");
                if (!line.TrimStart().StartsWith('{')) continue;
                var info = JsonSerializer.Deserialize<DaemonInfo>(line, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
                    ?? throw new InvalidDataException($"daemon {index} printed no info");
                var swarm = launcher.Reachable(index, info.Addresses.First(a => a.StartsWith("/ip4/", StringComparison.Ordinal)));
                if (!swarm.Contains("/p2p/", StringComparison.Ordinal)) swarm += "/p2p/" + info.Id;
                return new Daemon { Index = index, Process = process, Info = info, Api = new ShoalApiClient(launcher.Reachable(index, info.Api)), SwarmAddress = swarm, Drain = DrainAsync(process) };
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            try { process.Kill(true); } catch (InvalidOperationException) { }
            throw new TimeoutException($"daemon {index} on {launcher.Describe(index)} did not report ready within {StartTimeout.TotalSeconds:0} s: {stderr}");
        }
    }

    private static async Task DrainAsync(Process p)
    {
        try { while (await p.StandardOutput.ReadLineAsync().ConfigureAwait(false) is not null) { } }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
    }
}
