using System.Diagnostics;
using Shoal.Lab.Analysis;
using Shoal.Lab.Content;
using Shoal.Lab.Definitions;
using Shoal.Lab.Reports;
using Shoal.Lab.Simulation;
using Shoal.Lab.Strategies;

namespace Shoal.Lab.Drivers;

/// <summary>The embedded deterministic simulator: every trial and repetition runs in-process on virtual time.</summary>
public sealed class SimDriver(ICatalogBuilder? blockBuilder = null) : ILabDriver
{
    public string Name => "sim";

    public Task<ExperimentOutput> RunAsync(ScenarioDefinition scenario, ExperimentOptions options, IProgress<LabProgress>? progress, CancellationToken cancellationToken)
        => Task.FromResult(Run(scenario, options, progress, cancellationToken));

    public ExperimentOutput Run(ScenarioDefinition scenario, ExperimentOptions options, IProgress<LabProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        // A simulation is a batch job with a large, constantly mutated heap: blocking collections (no background GC) cut
        // its collection count and CPU time by a sixth at 200 nodes. Restored afterwards (tests run drivers in-process).
        var latency = System.Runtime.GCSettings.LatencyMode;
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.Batch;
        try
        {
            return RunTrials(scenario, options, progress, cancellationToken);
        }
        finally
        {
            System.Runtime.GCSettings.LatencyMode = latency;
        }
    }

    private ExperimentOutput RunTrials(ScenarioDefinition scenario, ExperimentOptions options, IProgress<LabProgress>? progress, CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        var seed = options.Seed ?? scenario.RandomSeed;
        var repetitions = options.Repetitions ?? scenario.Repetitions;
        var peers = SelectTrials(scenario, options.Strategies);
        var synthetic = ContentCatalog.Synthetic(scenario.Objects);
        ContentCatalog? withData = null;
        var bound = LowerBound.Compute(scenario, synthetic, seed);
        var objectBytes = scenario.Fetch.Max(f => f.Objects.Sum(o => scenario.Object(o).TotalBytes));
        var notes = new List<string>();
        var runs = new List<TrialResult>();
        var summaries = new List<TrialSummary>();
        var artifacts = new Dictionary<string, TrialArtifacts>();
        var trialWalls = new Dictionary<string, double>();

        // Every (trial, repetition) is an independent simulation with its own seed, so they run in parallel on the
        // machine's cores and each still gives the same result as run alone; results are gathered in plan order.
        var plan = new List<(PeerDefinition Peer, int Rep, string Model)>();
        foreach (var peer in peers)
        {
            string model;
            try { model = StrategyCatalog.Create(peer).Describe(); }
            catch (NotSupportedException e)
            {
                notes.Add($"{peer.Name}: not run: {e.Message}");
                continue;
            }
            for (var rep = 0; rep < repetitions; rep++) plan.Add((peer, rep, model));
        }
        if (plan.Any(x => StrategyCatalog.Create(x.Peer) is BitswapSimStrategy))
            withData = (blockBuilder ?? new UnixFsCatalogBuilder()).Build(scenario.Objects, seed);
        var results = new TrialResult[plan.Count];
        var planArtifacts = new TrialArtifacts?[plan.Count];
        var planWalls = new double[plan.Count];
        var progressLock = new object();
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Max(1, options.Parallelism ?? Environment.ProcessorCount),
            CancellationToken = cancellationToken,
        };
        // Trials differ in cost by orders of magnitude: start the costliest first so the longest does not start last
        // (NoBuffering: each worker takes the next one when it is free). Results are gathered in plan order regardless.
        var order = Enumerable.Range(0, plan.Count).OrderBy(i => CostRank(plan[i].Peer.Strategy)).ThenBy(i => i).ToList();
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(order, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering), parallel, i =>
        {
            var (peer, rep, _) = plan[i];
            var strategy = StrategyCatalog.Create(peer);
            var catalog = strategy is BitswapSimStrategy ? withData! : synthetic;
            // Each repetition gets its own seed, derived from the run's seed so a run is reproducible as a whole.
            var repSeed = rep == 0 ? seed : Shoal.Core.StableHash.Combine(seed, rep) & int.MaxValue;
            var p = progress is null ? null : new Progress(progress, peer.Name, rep, progressLock);
            var run = new SimulationRun(scenario, catalog, strategy, peer, repSeed, rep, p);
            var result = run.Run();
            results[i] = result;
            planWalls[i] = run.Artifacts.WallSeconds;
            if (rep == 0 && options.Traces) planArtifacts[i] = run.Artifacts;
            if (progress is not null)
                lock (progressLock) progress.Report(new LabProgress(peer.Name, rep, result.TotalTime, result.Failure ?? "done"));
        });
        foreach (var peer in peers)
        {
            var indexes = Enumerable.Range(0, plan.Count).Where(i => plan[i].Peer == peer).ToList();
            if (indexes.Count == 0) continue;
            var trialRuns = indexes.Select(i => results[i]).ToList();
            runs.AddRange(trialRuns);
            summaries.Add(Statistics.Summarise(peer.Name, peer.Strategy, plan[indexes[0]].Model, trialRuns, bound.Seconds, objectBytes));
            foreach (var i in indexes) if (planArtifacts[i] is { } a) artifacts[peer.Name] = a;
            // CPU-seconds of this trial's simulations (with parallel trials, the sum exceeds the run's wall time).
            trialWalls[peer.Name] = indexes.Sum(i => planWalls[i]);
        }
        if (withData is not null || synthetic.Blocks.Count > 0)
            notes.Add("sim: block payloads are shared in memory between simulated nodes (one copy per block), not copied per node");
        var result2 = new ExperimentResult
        {
            Scenario = scenario.Name,
            Description = scenario.Description,
            ScenarioFile = scenario.SourceFile,
            Driver = Name,
            Seed = seed,
            Nodes = scenario.Cluster.NodeCount,
            ObjectBytes = objectBytes,
            Bound = bound,
            Summaries = summaries,
            Runs = runs,
            Notes = notes,
        };
        result2.Host = HostFacts.Capture(wall.Elapsed.TotalSeconds,
            $"{Environment.OSVersion.Platform} {System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}, .NET {Environment.Version}", trialWalls);
        return new ExperimentOutput(result2, artifacts);
    }

    /// <summary>Expected CPU cost per trial, highest first: the Bitswap engine's strategies (on image-32, measured 2026-11-25:
    /// shoal ≈ 4×, bitswap-1.2 ≈ 2×, bitswap-1.1 1×), then the analytic models (registry, ideal: under a second).</summary>
    private static int CostRank(string strategy) => strategy switch
    {
        "shoal" => 0,
        "bitswap-1.2" => 1,
        "bitswap-1.1" => 2,
        "registry" or "ideal" => 4,
        _ => 3,
    };

    /// <summary>The scenario's trials, filtered by name; a strategy name not among them becomes a trial of its own.</summary>
    public static IReadOnlyList<PeerDefinition> SelectTrials(ScenarioDefinition scenario, IReadOnlyList<string>? names)
    {
        if (names is null || names.Count == 0) return scenario.Peers;
        var list = new List<PeerDefinition>();
        foreach (var name in names)
        {
            var matches = scenario.Peers.Where(p => p.Name == name || p.Strategy == name).ToList();
            if (matches.Count == 0)
            {
                if (!DefinitionReader.KnownStrategies.Contains(name))
                    throw new ArgumentException($"unknown strategy '{name}'; known: {string.Join(", ", DefinitionReader.KnownStrategies)}");
                matches.Add(new PeerDefinition(name, name, BuildDefinition.Current, ["tcp"], ["yamux"], "static", new Dictionary<string, string>()));
            }
            foreach (var m in matches) if (!list.Contains(m)) list.Add(m);
        }
        return list;
    }

    private sealed class Progress(IProgress<LabProgress> inner, string trial, int rep, object gate) : IProgress<double>
    {
        public void Report(double value) { lock (gate) inner.Report(new LabProgress(trial, rep, value, "running")); }
    }
}
