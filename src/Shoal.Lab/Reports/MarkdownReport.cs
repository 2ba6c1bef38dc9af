using System.Globalization;
using System.Text;
using Shoal.Lab.Definitions;

namespace Shoal.Lab.Reports;

/// <summary>The report a person reads first: the bound, the strategies side by side, then p2plab's bandwidth and Bitswap tables.</summary>
public static class MarkdownReport
{
    /// <summary>Up to this many nodes the per-node tables list every node; above, they list one row per group.</summary>
    public const int PerNodeRowsUpTo = 64;

    public static string Summary(ExperimentResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv($"# Shoal Lab: {r.Scenario} ({r.Driver}, seed {r.Seed}, {r.Nodes} nodes, {Quantity.FormatBytes(r.ObjectBytes)} per fetcher)"));
        if (r.Description.Length > 0) sb.AppendLine().AppendLine(r.Description.Trim());
        sb.AppendLine();
        var terms = string.Join(", ", r.Bound.Terms.Select(t => Inv($"{t.Key} {t.Value:0.000} s")));
        sb.AppendLine(Inv($"Fluid lower bound **T\\* = {r.Bound.Seconds:0.000} s** (binding: {r.Bound.Binding}; {terms}). ")
            + Inv($"The registry's own limit (its uplink carries every copy): {r.Bound.RegistrySeconds:0.000} s."));
        sb.AppendLine();
        sb.AppendLine("| trial | strategy | done | p50 s | p95 s | max s | last done s (± sd) | × T* | seeder upload (copies) | dup blocks | traffic | messages |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in r.Summaries)
        {
            sb.AppendLine(Inv($"| {s.Trial} | {s.Strategy} | {s.Completed}/{s.Fetchers} | {F(s.P50)} | {F(s.P95)} | {F(s.Max)} | {s.TotalTime:0.000}{(s.Repetitions > 1 ? Inv($" ± {s.TotalTimeStdDev:0.000}") : "")} | {(s.RatioToBound is { } x ? Inv($"{x:0.000}×") : "—")} | {Quantity.FormatBytes(s.SeederUpload)} ({s.SeederCopies:0.00}) | {s.DuplicateRatio:0.00%} | {Quantity.FormatBytes(s.TotalTraffic)} | {s.Messages} |"));
        }
        foreach (var s in r.Summaries.Where(s => s.Failure is not null)) sb.AppendLine().AppendLine($"- {s.Trial}: **{s.Failure}**");
        foreach (var n in r.Notes) sb.AppendLine().AppendLine($"- {n}");
        if (r.Summaries.Count > 0 && r.Summaries[0].Repetitions > 1)
            sb.AppendLine().AppendLine(Inv($"Repetitions: {r.Summaries[0].Repetitions} per trial; times are means, ± is the sample standard deviation."));
        return sb.ToString();
    }

    public static string Full(ExperimentResult r)
    {
        var sb = new StringBuilder(Summary(r));
        foreach (var trial in r.Runs.Where(x => x.Repetition == 0))
        {
            sb.AppendLine();
            sb.AppendLine(Inv($"## {trial.Trial}: bandwidth (repetition 0, {trial.TotalTime:0.000} s)"));
            sb.AppendLine();
            var rows = Rows(trial);
            var span = Math.Max(trial.TotalTime, 1e-9);
            sb.AppendLine("| QUERY | NODE | TOTALIN | TOTALOUT | RATEIN | RATEOUT | START | FIRSTBYTE | FINISH |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var (query, node, n) in rows)
                sb.AppendLine(Inv($"| {query} | {node} | {Quantity.FormatBytes(n.BytesIn)} | {Quantity.FormatBytes(n.BytesOut)} | {Quantity.FormatRate(n.BytesIn / span)} | {Quantity.FormatRate(n.BytesOut / span)} | {F(n.Start)} | {F(n.FirstByte)} | {F(n.Finish)} |"));
            var tin = trial.Nodes.Sum(n => n.BytesIn);
            var tout = trial.Nodes.Sum(n => n.BytesOut);
            sb.AppendLine(Inv($"| TOTAL | | {Quantity.FormatBytes(tin)} | {Quantity.FormatBytes(tout)} | {Quantity.FormatRate(tin / span)} | {Quantity.FormatRate(tout / span)} | | | |"));
            sb.AppendLine();
            sb.AppendLine("| QUERY | NODE | BLOCKSRECV | BLOCKSSENT | DUPBLOCKS | DATARECV | DATASENT | DUPDATA | MSGSIN | MSGSOUT |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var (query, node, n) in rows)
                sb.AppendLine(Inv($"| {query} | {node} | {n.BlocksReceived} | {n.BlocksSent} | {n.DupBlocks} | {Quantity.FormatBytes(n.DataIn)} | {Quantity.FormatBytes(n.DataOut)} | {Quantity.FormatBytes(n.DupBytes)} | {n.MessagesIn} | {n.MessagesOut} |"));
            sb.AppendLine(Inv($"| TOTAL | | {trial.Nodes.Sum(n => n.BlocksReceived)} | {trial.Nodes.Sum(n => n.BlocksSent)} | {trial.Nodes.Sum(n => n.DupBlocks)} | {Quantity.FormatBytes(trial.Nodes.Sum(n => n.DataIn))} | {Quantity.FormatBytes(trial.Nodes.Sum(n => n.DataOut))} | {Quantity.FormatBytes(trial.Nodes.Sum(n => n.DupBytes))} | {trial.Nodes.Sum(n => n.MessagesIn)} | {trial.Nodes.Sum(n => n.MessagesOut)} |"));
            sb.AppendLine();
            sb.AppendLine(Inv($"Simulator: {trial.Events} events, {trial.RateRecomputations} fair-share recomputations, at most {trial.PeakConcurrentTransfers} concurrent transfers."));
        }
        if (r.Host is { } h)
            sb.AppendLine().AppendLine(Inv($"Host: {h.Describe()}, {h.ProcessorCount} CPUs, {h.Machine}."));
        return sb.ToString();
    }

    /// <summary>Per-node rows (QUERY = group), or per-group aggregates for big clusters.</summary>
    private static List<(string Query, string Node, NodeResult N)> Rows(TrialResult trial)
    {
        if (trial.Nodes.Count <= PerNodeRowsUpTo) return trial.Nodes.Select(n => (n.Group, n.Name, n)).ToList();
        return trial.Nodes.GroupBy(n => n.Group).Select(g => (g.Key, Inv($"({g.Count()} nodes)"), new NodeResult
        {
            Name = g.Key, Group = g.Key, Region = g.First().Region, Role = g.First().Role,
            Start = g.Min(n => n.Start), FirstByte = g.Max(n => n.FirstByte), Finish = g.Max(n => n.Finish),
            BytesIn = g.Sum(n => n.BytesIn), BytesOut = g.Sum(n => n.BytesOut), DataIn = g.Sum(n => n.DataIn), DataOut = g.Sum(n => n.DataOut),
            BlocksReceived = g.Sum(n => n.BlocksReceived), BlocksSent = g.Sum(n => n.BlocksSent), DupBlocks = g.Sum(n => n.DupBlocks), DupBytes = g.Sum(n => n.DupBytes),
            MessagesIn = g.Sum(n => n.MessagesIn), MessagesOut = g.Sum(n => n.MessagesOut),
        })).ToList();
    }

    /// <summary>Two reports side by side, trial by trial.</summary>
    public static string Compare(ExperimentResult a, string nameA, ExperimentResult b, string nameB)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Compare: A = {nameA} ({a.Scenario}, {a.Driver}, seed {a.Seed}) vs B = {nameB} ({b.Scenario}, {b.Driver}, seed {b.Seed})");
        sb.AppendLine();
        sb.AppendLine(Inv($"Bound: A {a.Bound.Seconds:0.000} s, B {b.Bound.Seconds:0.000} s."));
        sb.AppendLine();
        sb.AppendLine("| trial | A last done s | B last done s | B/A | A p50 s | B p50 s | A × T* | B × T* | A dup | B dup | A seeder copies | B seeder copies |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        var names = a.Summaries.Select(s => s.Trial).Concat(b.Summaries.Select(s => s.Trial)).Distinct();
        foreach (var name in names)
        {
            var x = a.Summaries.FirstOrDefault(s => s.Trial == name);
            var y = b.Summaries.FirstOrDefault(s => s.Trial == name);
            sb.AppendLine(Inv($"| {name} | {F(x?.TotalTime)} | {F(y?.TotalTime)} | {(x is not null && y is not null && x.TotalTime > 0 ? Inv($"{y.TotalTime / x.TotalTime:0.00}×") : "—")} | {F(x?.P50)} | {F(y?.P50)} | {F(x?.RatioToBound, "0.000")} | {F(y?.RatioToBound, "0.000")} | {P(x?.DuplicateRatio)} | {P(y?.DuplicateRatio)} | {F(x?.SeederCopies, "0.00")} | {F(y?.SeederCopies, "0.00")} |"));
        }
        return sb.ToString();
    }

    private static string F(double? v, string format = "0.000") => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "—";
    private static string P(double? v) => v is { } x ? x.ToString("0.00%", CultureInfo.InvariantCulture) : "—";
    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
