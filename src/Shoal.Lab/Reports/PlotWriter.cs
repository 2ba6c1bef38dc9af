using ScottPlot;

namespace Shoal.Lab.Reports;

/// <summary>PNG plots of an experiment: completion-time CDF per trial, data uploaded per node, throughput over time.</summary>
public static class PlotWriter
{
    private const int Width = 1000;
    private const int Height = 560;

    /// <summary>Writes the plots into <paramref name="directory"/> and returns their file names.</summary>
    public static IReadOnlyList<string> Write(ExperimentResult r, string directory)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        files.Add(Cdf(r, Path.Combine(directory, "completion-cdf.png")));
        files.Add(Upload(r, Path.Combine(directory, "upload-per-node.png")));
        files.Add(Throughput(r, Path.Combine(directory, "throughput.png")));
        return files.Select(Path.GetFileName).ToList()!;
    }

    private static string Cdf(ExperimentResult r, string path)
    {
        var plt = new Plot();
        foreach (var trial in r.Runs.Where(x => x.Repetition == 0))
        {
            var times = trial.Nodes.Where(n => n.Finish is not null && n.Verified == true).Select(n => n.Finish!.Value).Order().ToArray();
            if (times.Length == 0) continue;
            var xs = new double[times.Length + 1];
            var ys = new double[times.Length + 1];
            for (var i = 0; i < times.Length; i++) { xs[i + 1] = times[i]; ys[i + 1] = (i + 1) / (double)trial.Fetchers; }
            var s = plt.Add.Scatter(xs, ys);
            s.ConnectStyle = ConnectStyle.StepHorizontal;
            s.MarkerSize = 0;
            s.LineWidth = 2;
            s.LegendText = trial.Trial;
        }
        var bound = plt.Add.VerticalLine(r.Bound.Seconds);
        bound.LinePattern = LinePattern.Dashed;
        bound.LegendText = $"fluid bound {r.Bound.Seconds:0.00} s";
        plt.Title($"{r.Scenario}: fetchers done over time");
        plt.XLabel("time since start (s)");
        plt.YLabel("fraction of fetchers done");
        plt.ShowLegend(Alignment.LowerRight);
        plt.SavePng(path, Width, Height);
        return path;
    }

    private static string Upload(ExperimentResult r, string path)
    {
        var plt = new Plot();
        var trials = r.Runs.Where(x => x.Repetition == 0).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        var width = 0.8 / Math.Max(1, trials.Count);
        for (var t = 0; t < trials.Count; t++)
        {
            var bars = new List<Bar>();
            for (var i = 0; i < trials[t].Nodes.Count; i++)
                bars.Add(new Bar { Position = i + t * width, Value = trials[t].Nodes[i].DataOut / (1024.0 * 1024), FillColor = palette.GetColor(t), Size = width, LineWidth = 0 });
            var b = plt.Add.Bars(bars);
            b.LegendText = trials[t].Trial;
        }
        plt.Title($"{r.Scenario}: block data uploaded per node (the registry is the last node in its trial)");
        plt.XLabel("node index");
        plt.YLabel("uploaded (MiB)");
        plt.ShowLegend(Alignment.UpperRight);
        plt.SavePng(path, Width, Height);
        return path;
    }

    private static string Throughput(ExperimentResult r, string path)
    {
        var plt = new Plot();
        foreach (var trial in r.Runs.Where(x => x.Repetition == 0))
        {
            if (trial.Throughput.Count == 0) continue;
            var xs = Enumerable.Range(0, trial.Throughput.Count).Select(i => i * trial.ThroughputBinSeconds).ToArray();
            var ys = trial.Throughput.Select(b => b * 8 / trial.ThroughputBinSeconds / 1e9).ToArray();
            var s = plt.Add.Scatter(xs, ys);
            s.MarkerSize = 0;
            s.LineWidth = 2;
            s.LegendText = trial.Trial;
        }
        plt.Title($"{r.Scenario}: bulk bytes on the wire, all nodes (50 ms bins)");
        plt.XLabel("time since start (s)");
        plt.YLabel("aggregate throughput (Gbit/s)");
        plt.ShowLegend(Alignment.UpperRight);
        plt.SavePng(path, Width, Height);
        return path;
    }
}
