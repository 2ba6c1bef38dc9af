using Shoal.Lab.Analysis;

namespace Shoal.Lab.Reports;

/// <summary>Statistics of one trial across repetitions. Completion times are per-node fetch durations (finish − start), in seconds.</summary>
public sealed class TrialSummary
{
    public required string Trial { get; init; }
    public required string Strategy { get; init; }
    public required string Model { get; init; }
    public int Repetitions { get; init; }
    public double? P50 { get; init; }
    public double? P95 { get; init; }
    public double? Max { get; init; }
    public double? Min { get; init; }
    /// <summary>Until the last fetcher finished: mean over repetitions, and standard deviation.</summary>
    public double TotalTime { get; init; }
    public double TotalTimeStdDev { get; init; }
    public double P50StdDev { get; init; }
    /// <summary>TotalTime / the fluid lower bound.</summary>
    public double? RatioToBound { get; init; }
    public long TotalTraffic { get; init; }
    /// <summary>Block payload bytes the initial holders (or the registry) uploaded.</summary>
    public long SeederUpload { get; init; }
    /// <summary>SeederUpload in copies of the content fetched.</summary>
    public double SeederCopies { get; init; }
    public double DuplicateRatio { get; init; }
    public long Messages { get; init; }
    public int Completed { get; init; }
    public int Fetchers { get; init; }
    public string? Failure { get; init; }
}

/// <summary>A whole experiment: one scenario run for several trials side by side, with its bound.</summary>
public sealed class ExperimentResult
{
    public required string Scenario { get; init; }
    public string Description { get; init; } = "";
    public string? ScenarioFile { get; init; }
    public required string Driver { get; init; }
    public required int Seed { get; init; }
    public required int Nodes { get; init; }
    /// <summary>Bytes each fetcher fetches (the largest demand), for copies and rates.</summary>
    public required long ObjectBytes { get; init; }
    public required BoundResult Bound { get; init; }
    public required List<TrialSummary> Summaries { get; init; }
    public required List<TrialResult> Runs { get; init; }
    public List<string> Notes { get; init; } = [];
    /// <summary>Wall-clock facts (not part of the deterministic result).</summary>
    public HostFacts? Host { get; set; }
}

/// <summary>How the run went on this machine: varies between runs, so kept apart from results.</summary>
public sealed class HostFacts
{
    public double WallSeconds { get; init; }
    public long PeakWorkingSetBytes { get; init; }
    public int ProcessorCount { get; init; }
    public string Machine { get; init; } = "";
    /// <summary>Wall seconds per trial (all repetitions).</summary>
    public Dictionary<string, double> TrialWallSeconds { get; init; } = [];
}
