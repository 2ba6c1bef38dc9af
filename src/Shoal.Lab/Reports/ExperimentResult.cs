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

    /// <summary>CPU seconds of this process (user + system, all threads) by the end of the run: on a shared machine
    /// the wall time depends on the other load, the CPU time much less.</summary>
    public double CpuSeconds { get; init; }

    /// <summary>Bytes this process allocated on the managed heap during its life, and its garbage collections.</summary>
    public long AllocatedBytes { get; init; }
    public int Gen0Collections { get; init; }
    public int Gen1Collections { get; init; }
    public int Gen2Collections { get; init; }

    /// <summary>The machine's 1, 5 and 15 minute load averages at the end of the run (Linux; empty elsewhere).</summary>
    public string LoadAverage { get; init; } = "";

    /// <summary>The facts of this process now: peak working set, CPU time, allocations and collections, load.</summary>
    public static HostFacts Capture(double wallSeconds, string machine, Dictionary<string, double> trialWallSeconds)
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return new HostFacts
        {
            WallSeconds = wallSeconds,
            PeakWorkingSetBytes = self.PeakWorkingSet64,
            ProcessorCount = Environment.ProcessorCount,
            Machine = machine,
            TrialWallSeconds = trialWallSeconds,
            CpuSeconds = self.TotalProcessorTime.TotalSeconds,
            AllocatedBytes = GC.GetTotalAllocatedBytes(),
            Gen0Collections = GC.CollectionCount(0),
            Gen1Collections = GC.CollectionCount(1),
            Gen2Collections = GC.CollectionCount(2),
            LoadAverage = ReadLoadAverage(),
        };
    }

    /// <summary>One line for people: "wall time 12.3 s, CPU 20.1 s, peak memory 1.2 GiB, 4 GiB allocated, GC 100/10/2, load 1.0 0.9 0.8".</summary>
    public string Describe()
        => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"wall time {WallSeconds:0.0} s, CPU {CpuSeconds:0.0} s, peak memory {Shoal.Lab.Definitions.Quantity.FormatBytes(PeakWorkingSetBytes)}, {Shoal.Lab.Definitions.Quantity.FormatBytes(AllocatedBytes)} allocated, GC gen0/1/2 {Gen0Collections}/{Gen1Collections}/{Gen2Collections}{(LoadAverage.Length > 0 ? $", load average {LoadAverage}" : "")}");

    private static string ReadLoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 3 ? $"{parts[0]} {parts[1]} {parts[2]}" : "";
        }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }
}
