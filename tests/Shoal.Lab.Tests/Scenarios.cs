using Shoal.Lab.Definitions;

namespace Shoal.Lab.Tests;

/// <summary>Small scenarios written inline, and the repository's shipped ones.</summary>
internal static class Scenarios
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Shipped(string name) => Path.Combine(RepoRoot, "bench", "scenarios", name);

    /// <summary>A one-LAN scenario: <paramref name="seeders"/> seeders, <paramref name="leechers"/> leechers, equal links.</summary>
    public static string Lan(int seeders, int leechers, string size, string bandwidth = "100Mbit", string rtt = "10ms", string chunk = "256KiB",
        string extraFetch = "", string extra = "", string registry = "1Gbit", string objectType = "file")
        => $"""
           name: lan-test
           cluster:
             groups:
               - {'{'} name: seeders, count: {seeders}, labels: [seeder], region: lan, bandwidth: {bandwidth} {'}'}
               - {'{'} name: leechers, count: {leechers}, labels: [leecher], region: lan, bandwidth: {bandwidth} {'}'}
             links:
               - {'{'} between: [lan], rtt: {rtt} {'}'}
             registry: {'{'} region: lan, uplink: {registry}, parallelDownloads: 3 {'}'}
           objects:
             data:
               type: {objectType}
               {(objectType == "file" ? $"size: {size}" : $"layers: [{size}]")}
               chunkSize: {chunk}
           seed:
             - {'{'} query: seeders, objects: [data] {'}'}
           fetch:
             - query: leechers
               objects: [data]
           {extraFetch}
           {extra}
           randomSeed: 17
           """;

    public static ScenarioDefinition Read(string yaml) => DefinitionReader.ReadScenario(yaml, null);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Shoal.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Shoal.slnx) above " + AppContext.BaseDirectory);
    }
}
