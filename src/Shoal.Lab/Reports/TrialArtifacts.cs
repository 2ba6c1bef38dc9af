namespace Shoal.Lab.Reports;

/// <summary>A transfer of one message between two nodes (a span in the trace).</summary>
public readonly record struct TransferSpan(int From, int To, double Start, double End, long Bytes, string Kind);

/// <summary>The bulky by-products of a trial that go to files, not JSON: trace spans and a CPU profile.</summary>
public sealed class TrialArtifacts
{
    /// <summary>Spans kept per trial; beyond this the trace is cut (the report says so) to bound memory at 1,000 nodes.</summary>
    public const int MaxSpans = 200_000;

    public List<string> NodeNames { get; } = [];
    public List<TransferSpan> Transfers { get; } = [];
    public bool TransfersTruncated { get; set; }
    /// <summary>Folded stacks ("sim;node;receive" → microseconds of wall CPU) of where the run spent its time.</summary>
    public Dictionary<string, long> Profile { get; } = new(StringComparer.Ordinal);
    public double WallSeconds { get; set; }
    /// <summary>What could not be collected (e.g. a daemon's CPU samples), for the report's notes.</summary>
    public List<string> Notes { get; } = [];

    public void AddTransfer(TransferSpan span)
    {
        if (Transfers.Count >= MaxSpans) { TransfersTruncated = true; return; }
        Transfers.Add(span);
    }
}
