using Shoal.Lab.Definitions;
using Shoal.Lab.Reports;

namespace Shoal.Lab.Drivers;

/// <summary>
/// Runs a scenario's trials somewhere: <c>sim</c> (embedded simulator), <c>local</c> (real daemons on this
/// machine), <c>cluster</c> (real daemons on hosts over SSH). A Kubernetes driver would implement this too.
/// </summary>
public interface ILabDriver
{
    string Name { get; }
    Task<ExperimentOutput> RunAsync(ScenarioDefinition scenario, ExperimentOptions options, IProgress<LabProgress>? progress, CancellationToken cancellationToken);
}

/// <summary>Overrides from the command line.</summary>
public sealed record ExperimentOptions
{
    /// <summary>Run only these trials (by trial or strategy name); null = the scenario's.</summary>
    public IReadOnlyList<string>? Strategies { get; init; }
    public int? Seed { get; init; }
    public int? Repetitions { get; init; }
    /// <summary>Keep transfer traces (memory grows with the number of messages).</summary>
    public bool Traces { get; init; } = true;
    /// <summary>sim: how many trials (and repetitions) to simulate at once; null = one per processor.</summary>
    public int? Parallelism { get; init; }
}

/// <summary>Progress of a run: which trial and repetition, and how far virtual (or wall) time has got.</summary>
public readonly record struct LabProgress(string Trial, int Repetition, double Seconds, string Status);

/// <summary>An experiment's result plus the artifacts (traces, profiles) of each trial's first repetition.</summary>
public sealed record ExperimentOutput(ExperimentResult Result, IReadOnlyDictionary<string, TrialArtifacts> Artifacts);
