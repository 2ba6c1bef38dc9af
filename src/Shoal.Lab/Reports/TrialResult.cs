namespace Shoal.Lab.Reports;

/// <summary>One node's figures in one trial. Times are seconds of virtual (sim) or wall (local) time since the run started.</summary>
public sealed class NodeResult
{
    public required string Name { get; init; }
    public required string Group { get; init; }
    public required string Region { get; init; }
    /// <summary>seeder, leecher, seeder+leecher, registry or idle.</summary>
    public required string Role { get; init; }
    public double? Start { get; init; }
    public double? FirstByte { get; init; }
    public double? Finish { get; init; }
    /// <summary>Finish minus start: how long this node's fetch took.</summary>
    public double? Duration => Finish is { } f && Start is { } s ? f - s : null;
    public long BytesIn { get; init; }
    public long BytesOut { get; init; }
    public long DataIn { get; init; }
    public long DataOut { get; init; }
    public int BlocksReceived { get; init; }
    public int BlocksSent { get; init; }
    public int DupBlocks { get; init; }
    public long DupBytes { get; init; }
    public int MessagesIn { get; init; }
    public int MessagesOut { get; init; }
    /// <summary>For fetchers: every block of every requested part is present (and, with real blocks, hashed to its CID on arrival).</summary>
    public bool? Verified { get; init; }
}

/// <summary>One repetition of one trial (a strategy or peer definition) of a scenario.</summary>
public sealed class TrialResult
{
    public required string Trial { get; init; }
    public required string Strategy { get; init; }
    public required int Repetition { get; init; }
    public required int Seed { get; init; }
    public required string Driver { get; init; }
    public required List<NodeResult> Nodes { get; init; }
    /// <summary>Time until the last fetcher finished (or the run stopped).</summary>
    public required double TotalTime { get; init; }
    public required int Fetchers { get; init; }
    public required int Completed { get; init; }
    public string? Failure { get; init; }
    /// <summary>Data bytes delivered to all nodes per <see cref="ThroughputBinSeconds"/> bin.</summary>
    public List<double> Throughput { get; init; } = [];
    public double ThroughputBinSeconds { get; init; }
    public long Events { get; init; }
    public long RateRecomputations { get; init; }
    public int PeakConcurrentTransfers { get; init; }
}
