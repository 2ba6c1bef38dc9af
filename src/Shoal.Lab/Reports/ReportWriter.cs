using Shoal.Lab.Drivers;

namespace Shoal.Lab.Reports;

/// <summary>Writes every file of an experiment into a directory: report.md, report.json, plots, traces and flame graphs.</summary>
public static class ReportWriter
{
    public static IReadOnlyList<string> WriteAll(ExperimentOutput output, string directory)
    {
        Directory.CreateDirectory(directory);
        var r = output.Result;
        var files = new List<string> { "report.md", "report.json" };
        File.WriteAllText(Path.Combine(directory, "report.md"), MarkdownReport.Full(r));
        File.WriteAllText(Path.Combine(directory, "report.json"), JsonReport.Serialize(r));
        files.AddRange(PlotWriter.Write(r, directory));
        foreach (var (trial, artifacts) in output.Artifacts)
        {
            var run = r.Runs.First(x => x.Trial == trial && x.Repetition == 0);
            var safe = string.Concat(trial.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_'));
            ChromeTraceWriter.Write(Path.Combine(directory, $"trace-{safe}.json"), run, artifacts);
            FlameGraphWriter.WriteFolded(Path.Combine(directory, $"profile-{safe}.folded"), artifacts.Profile);
            FlameGraphWriter.WriteSvg(Path.Combine(directory, $"flame-{safe}.svg"), artifacts.Profile, $"{r.Scenario} / {trial}: where the {r.Driver} run's CPU time went (µs)");
            files.Add($"trace-{safe}.json");
            files.Add($"profile-{safe}.folded");
            files.Add($"flame-{safe}.svg");
        }
        return files;
    }
}
