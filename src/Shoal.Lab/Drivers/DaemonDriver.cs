using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Shoal.Core;
using Shoal.Lab.Analysis;
using Shoal.Lab.Content;
using Shoal.Lab.Definitions;
using Shoal.Lab.Reports;
using Shoal.Node;

namespace Shoal.Lab.Drivers;

/// <summary>
/// The <c>local</c> and <c>cluster</c> drivers: one real `shoal daemon` per cluster node (fresh repository, ports 0,
/// DHT off, the trial's Bitswap strategy), all connected to each other; seeders add the generated content through
/// the HTTP API, fetchers `cat` it at their start times and hash what they read; per-node figures come from the
/// daemons' Bitswap and bandwidth stats. Times are wall-clock. Links are not shaped (loopback or the hosts'
/// real network), so the bound of the definitions does not apply; the report says so.
/// </summary>
public sealed class DaemonDriver(IDaemonLauncher launcher, string name) : ILabDriver
{
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
        var seed = options.Seed ?? scenario.RandomSeed;
        var repetitions = options.Repetitions ?? scenario.Repetitions;
        var synthetic = ContentCatalog.Synthetic(scenario.Objects);
        var bound = LowerBound.Compute(scenario, synthetic, seed);
        var objectBytes = scenario.Fetch.Max(f => f.Objects.Sum(o => scenario.Object(o).TotalBytes));
        var notes = new List<string>
        {
            $"{name}: real daemons, wall-clock times; links are not shaped, so the bound from the cluster definition does not apply to these times",
        };
        var runs = new List<TrialResult>();
        var summaries = new List<TrialSummary>();
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
                trialRuns.Add(await RunTrialAsync(scenario, peer, rep, repSeed, progress, cancellationToken).ConfigureAwait(false));
            }
            runs.AddRange(trialRuns);
            walls[peer.Name] = trialWall.Elapsed.TotalSeconds;
            // Bound 0: unshaped links, so no ratio to the definitions' bound is claimed.
            summaries.Add(Statistics.Summarise(peer.Name, peer.Strategy, $"shoal daemon --strategy {peer.Strategy} ({peer.Build})", trialRuns, 0, objectBytes));
        }
        var result = new ExperimentResult
        {
            Scenario = scenario.Name, Description = scenario.Description, ScenarioFile = scenario.SourceFile, Driver = name, Seed = seed,
            Nodes = scenario.Cluster.NodeCount, ObjectBytes = objectBytes, Bound = bound, Summaries = summaries, Runs = runs, Notes = notes,
            Host = new HostFacts
            {
                WallSeconds = wall.Elapsed.TotalSeconds, PeakWorkingSetBytes = Process.GetCurrentProcess().PeakWorkingSet64,
                ProcessorCount = Environment.ProcessorCount, Machine = Environment.MachineName, TrialWallSeconds = walls,
            },
        };
        return new ExperimentOutput(result, new Dictionary<string, TrialArtifacts>());
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

    private async Task<TrialResult> RunTrialAsync(ScenarioDefinition scenario, PeerDefinition peer, int rep, int seed, IProgress<LabProgress>? progress, CancellationToken ct)
    {
        var nodes = ClusterNode.Expand(scenario.Cluster);
        var random = new Random(seed);
        var runId = $"{Environment.ProcessId}-{peer.Name}-{rep}-{Guid.NewGuid():N}"[..40];
        var daemons = new Daemon?[nodes.Count];
        try
        {
            progress?.Report(new LabProgress(peer.Name, rep, 0, "starting daemons"));
            var started = await Task.WhenAll(nodes.Select(n => StartDaemonAsync(n.Index, peer, runId, ct))).ConfigureAwait(false);
            for (var i = 0; i < started.Length; i++) daemons[i] = started[i];
            // Full mesh, as the simulator's default: i dials every j > i.
            for (var i = 0; i < nodes.Count; i++)
                await Task.WhenAll(Enumerable.Range(i + 1, nodes.Count - i - 1).Select(j => daemons[i]!.Api.SwarmConnectAsync(daemons[j]!.SwarmAddress, ct))).ConfigureAwait(false);

            // Seed: every holder adds the same generated parts (same bytes, same profile → same CIDs).
            var roots = new Dictionary<string, (Cid Root, long Size, byte[] Sha256)>();
            var isSeeder = new bool[nodes.Count];
            foreach (var stage in scenario.Seed)
                foreach (var node in stage.Query.Select(nodes, random))
                    foreach (var o in stage.Objects.Select(scenario.Object))
                        for (var p = 0; p < o.PartSizes.Count; p++)
                        {
                            var partName = ContentCatalog.PartName(o, p);
                            await using var content = UnixFsCatalogBuilder.PartContent(seed, partName, o.PartSizes[p]);
                            var added = await daemons[node.Index]!.Api.AddAsync(content, partName, new AddOptions(o.Profile, ChunkSize: o.ChunkSize), null, ct).ConfigureAwait(false);
                            if (!roots.ContainsKey(partName))
                            {
                                await using var again = UnixFsCatalogBuilder.PartContent(seed, partName, o.PartSizes[p]);
                                roots[partName] = (Cid.Parse(added.Hash), o.PartSizes[p], await SHA256.HashDataAsync(again, ct).ConfigureAwait(false));
                            }
                            isSeeder[node.Index] = true;
                        }
            foreach (var o in scenario.Objects)
                for (var p = 0; p < o.PartSizes.Count; p++)
                    if (!roots.ContainsKey(ContentCatalog.PartName(o, p)))
                    {
                        // Fetched but seeded nowhere: its CID is still needed to ask for it.
                        var partName = ContentCatalog.PartName(o, p);
                        await using var content = UnixFsCatalogBuilder.PartContent(seed, partName, o.PartSizes[p]);
                        var result = await UnixFsImporter.ImportAsync(content, new MemoryBlockStore(), UnixFsImportOptions.FromProfile(o.Profile) with { ChunkSize = o.ChunkSize }, null, ct).ConfigureAwait(false);
                        roots[partName] = (result.Root, o.PartSizes[p], []);
                    }

            var before = await Task.WhenAll(daemons.Select(d => d!.Api.BandwidthStatAsync(ct))).ConfigureAwait(false);
            var beforeBitswap = await Task.WhenAll(daemons.Select(d => d!.Api.BitswapStatAsync(ct))).ConfigureAwait(false);

            // Fetch on schedule; churn kills daemons (leave) — rejoining is not supported by this driver yet.
            var fetches = new List<(int Node, TimeSpan At, List<string> Parts)>();
            foreach (var stage in scenario.Fetch)
            {
                var selected = stage.Query.Select(nodes, random);
                for (var i = 0; i < selected.Count; i++)
                    fetches.Add((selected[i].Index, stage.Start + i * stage.Stagger,
                        stage.Objects.Select(scenario.Object).SelectMany(o => Enumerable.Range(0, o.PartSizes.Count).Select(p => ContentCatalog.PartName(o, p))).ToList()));
            }
            var clock = Stopwatch.StartNew();
            var starts = new double?[nodes.Count];
            var firsts = new double?[nodes.Count];
            var finishes = new double?[nodes.Count];
            var verified = new bool?[nodes.Count];
            var gone = new bool[nodes.Count];
            var timeout = scenario.Timeout;
            using var trialCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            trialCts.CancelAfter(timeout);
            var churnTasks = scenario.Churn.SelectMany(c => c.Query.Select(nodes, random).Select(n => (c, n))).Where(x => x.c.Leave is not null)
                .Select(async x =>
                {
                    await Task.Delay(x.c.Leave!.Value, trialCts.Token).ConfigureAwait(false);
                    gone[x.n.Index] = true;
                    try { daemons[x.n.Index]!.Process.Kill(true); } catch (InvalidOperationException) { }
                }).ToList();
            var fetchTasks = fetches.Select(async f =>
            {
                await Task.Delay(f.At, trialCts.Token).ConfigureAwait(false);
                if (gone[f.Node]) return;
                starts[f.Node] ??= clock.Elapsed.TotalSeconds;
                var ok = true;
                await Task.WhenAll(f.Parts.Select(async part =>
                {
                    var (root, size, sha) = roots[part];
                    await using var stream = await daemons[f.Node]!.Api.CatAsync(root, 0, null, trialCts.Token).ConfigureAwait(false);
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
                    if (total != size || (sha.Length > 0 && !hash.GetHashAndReset().AsSpan().SequenceEqual(sha))) ok = false;
                })).ConfigureAwait(false);
                finishes[f.Node] = clock.Elapsed.TotalSeconds;
                verified[f.Node] = ok;
                progress?.Report(new LabProgress(peer.Name, rep, clock.Elapsed.TotalSeconds, "running"));
            }).ToList();
            string? failure = null;
            try { await Task.WhenAll(fetchTasks).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException or ShoalApiException or IOException)
            {
                failure = trialCts.IsCancellationRequested && !ct.IsCancellationRequested
                    ? $"timed out after {timeout.TotalSeconds:0} s with {fetches.Count(f => finishes[f.Node] is null && !gone[f.Node])} fetchers unfinished"
                    : $"fetch failed: {e.Message}";
                ct.ThrowIfCancellationRequested();
            }
            var total = clock.Elapsed.TotalSeconds;

            var results = new List<NodeResult>();
            var fetcherSet = fetches.Select(f => f.Node).ToHashSet();
            for (var i = 0; i < nodes.Count; i++)
            {
                BandwidthStatResult? bw = null;
                BitswapStatResult? bs = null;
                if (!gone[i])
                {
                    try
                    {
                        bw = await daemons[i]!.Api.BandwidthStatAsync(ct).ConfigureAwait(false);
                        bs = await daemons[i]!.Api.BitswapStatAsync(ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is HttpRequestException or ShoalApiException or IOException) { }
                }
                var role = isSeeder[i] && fetcherSet.Contains(i) ? "seeder+leecher" : isSeeder[i] ? "seeder" : fetcherSet.Contains(i) ? "leecher" : "idle";
                results.Add(new NodeResult
                {
                    Name = nodes[i].Name, Group = nodes[i].Group.Name, Region = nodes[i].Region, Role = role,
                    Start = starts[i], FirstByte = firsts[i], Finish = finishes[i],
                    BytesIn = (bw?.TotalIn ?? 0) - before[i].TotalIn, BytesOut = (bw?.TotalOut ?? 0) - before[i].TotalOut,
                    DataIn = (bs?.DataReceived ?? 0) - beforeBitswap[i].DataReceived, DataOut = (bs?.DataSent ?? 0) - beforeBitswap[i].DataSent,
                    BlocksReceived = (int)((bs?.BlocksReceived ?? 0) - beforeBitswap[i].BlocksReceived), BlocksSent = (int)((bs?.BlocksSent ?? 0) - beforeBitswap[i].BlocksSent),
                    DupBlocks = (int)((bs?.DupBlksReceived ?? 0) - beforeBitswap[i].DupBlksReceived), DupBytes = (bs?.DupDataReceived ?? 0) - beforeBitswap[i].DupDataReceived,
                    MessagesIn = (int)((bs?.MessagesReceived ?? 0) - beforeBitswap[i].MessagesReceived),
                    Verified = fetcherSet.Contains(i) ? verified[i] ?? false : null,
                });
            }
            trialCts.Cancel();
            try { await Task.WhenAll(churnTasks).ConfigureAwait(false); } catch (OperationCanceledException) { }
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
            foreach (var d in daemons)
            {
                if (d is null) continue;
                try { if (!d.Process.HasExited) d.Process.Kill(true); } catch (InvalidOperationException) { }
                await d.Process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
                await d.Drain.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
                d.Process.Dispose();
                d.Api.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            }
            for (var i = 0; i < nodes.Count; i++) launcher.Cleanup(i, runId);
        }
    }

    private async Task<Daemon> StartDaemonAsync(int index, PeerDefinition peer, string runId, CancellationToken ct)
    {
        var bind = launcher.BindAddress;
        var args = new List<string>
        {
            "--repo", launcher.RepoPath(index, runId), "--json", "--api", $"{bind}:0",
            "daemon", "--init", "--init-profile", "test", "--listen", $"/ip4/{bind}/tcp/0", "--gateway", "",
            "--dht-mode", "off", "--strategy", peer.Strategy,
        };
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
