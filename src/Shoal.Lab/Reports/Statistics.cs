namespace Shoal.Lab.Reports;

/// <summary>Small order statistics for reports.</summary>
public static class Statistics
{
    /// <summary>Nearest-rank percentile (p in 0..100) of unsorted values; null for none.</summary>
    public static double? Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return null;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Mean(IReadOnlyList<double> v) => v.Count == 0 ? 0 : v.Average();

    /// <summary>Sample standard deviation (0 for fewer than two values).</summary>
    public static double StdDev(IReadOnlyList<double> v)
    {
        if (v.Count < 2) return 0;
        var m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Count - 1));
    }

    /// <summary>Summarises the repetitions of one trial.</summary>
    public static TrialSummary Summarise(string trial, string strategy, string model, IReadOnlyList<TrialResult> runs, double bound, long objectBytes)
    {
        var durations = runs.SelectMany(r => r.Nodes.Where(n => n.Role is "leecher" or "seeder+leecher" && n.Duration is not null && n.Verified == true).Select(n => n.Duration!.Value)).ToList();
        var totals = runs.Select(r => r.TotalTime).ToList();
        var p50s = runs.Select(r => Percentile(r.Nodes.Where(n => n.Duration is not null && n.Verified == true).Select(n => n.Duration!.Value), 50) ?? 0).ToList();
        var first = runs[0];
        var seederUpload = (long)runs.Average(r => r.Nodes.Where(n => n.Role is "seeder" or "registry" or "seeder+leecher").Sum(n => (double)n.DataOut));
        var received = runs.Sum(r => r.Nodes.Sum(n => (long)n.BlocksReceived));
        var dups = runs.Sum(r => r.Nodes.Sum(n => (long)n.DupBlocks));
        var failure = runs.Select(r => r.Failure).FirstOrDefault(f => f is not null);
        var mean = Mean(totals);
        return new TrialSummary
        {
            Trial = trial,
            Strategy = strategy,
            Model = model,
            Repetitions = runs.Count,
            P50 = Percentile(durations, 50),
            P95 = Percentile(durations, 95),
            Max = durations.Count == 0 ? null : durations.Max(),
            Min = durations.Count == 0 ? null : durations.Min(),
            TotalTime = mean,
            TotalTimeStdDev = StdDev(totals),
            P50StdDev = StdDev(p50s),
            RatioToBound = bound > 0 && failure is null ? mean / bound : null,
            TotalTraffic = (long)runs.Average(r => r.Nodes.Sum(n => (double)n.BytesOut)),
            SeederUpload = seederUpload,
            SeederCopies = objectBytes > 0 ? seederUpload / (double)objectBytes : 0,
            DuplicateRatio = received == 0 ? 0 : dups / (double)received,
            Messages = (long)runs.Average(r => r.Nodes.Sum(n => (double)n.MessagesOut)),
            Completed = first.Completed,
            Fetchers = first.Fetchers,
            Failure = failure,
        };
    }
}
