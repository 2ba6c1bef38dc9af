using Shoal.Lab.Content;
using Shoal.Lab.Definitions;

namespace Shoal.Lab.Analysis;

/// <summary>A lower bound on the time until the last fetcher finishes, with the terms it is the maximum of.</summary>
public sealed record BoundResult(double Seconds, string Binding, IReadOnlyDictionary<string, double> Terms, double RegistrySeconds, string Formula);

/// <summary>
/// The fluid lower bound of a scenario from link capacities alone (Kumar and Ross's bound for one file, extended
/// to several seeders, staggered starts and capacity-limited paths between regions). No schedule can beat it:
/// <list type="bullet">
/// <item>seed: every byte must leave the seeders at least once: F / Σu(seeders) (per part, only its holders);</item>
/// <item>download: each fetcher must take in its demand: start + D_i / d_i;</item>
/// <item>swarm: all demand must be uploaded by someone: ΣD_i / (Σu(seeders) + Σu(fetchers));</item>
/// <item>region: content absent from a region must cross into it: F_r / Σ capacity(paths into r);</item>
/// </list>
/// plus one round trip to the nearest holder (the request, then the data's propagation). Payload bytes only:
/// framing overhead is part of what a strategy costs.
/// </summary>
public static class LowerBound
{
    public static BoundResult Compute(ScenarioDefinition scenario, ContentCatalog catalog, int randomSeed)
    {
        var nodes = ClusterNode.Expand(scenario.Cluster);
        var random = new Random(randomSeed);
        var holders = catalog.Parts.Select(_ => new HashSet<int>()).ToArray();
        foreach (var stage in scenario.Seed)
            foreach (var node in stage.Query.Select(nodes, random))
                foreach (var o in stage.Objects)
                    foreach (var p in catalog.PartsOf(o)) holders[p.Index].Add(node.Index);
        // fetcher → (start, parts)
        var demand = new Dictionary<int, (double Start, HashSet<int> Parts)>();
        foreach (var stage in scenario.Fetch)
        {
            var selected = stage.Query.Select(nodes, random);
            for (var i = 0; i < selected.Count; i++)
            {
                var start = (stage.Start + i * stage.Stagger).TotalSeconds;
                var idx = selected[i].Index;
                if (!demand.TryGetValue(idx, out var d)) demand[idx] = d = (start, []);
                else demand[idx] = d = (Math.Min(d.Start, start), d.Parts);
                foreach (var o in stage.Objects)
                    foreach (var p in catalog.PartsOf(o))
                        if (!holders[p.Index].Contains(idx)) d.Parts.Add(p.Index);
            }
        }
        var terms = new Dictionary<string, double>();
        if (demand.Count == 0) return new BoundResult(0, "none", terms, 0, "nothing to fetch");

        double Rtt(string a, string b) => (scenario.Cluster.LinkBetween(a, b)?.RoundTrip ?? TimeSpan.Zero).TotalSeconds;
        var firstStart = demand.Values.Min(d => d.Start);
        var neededParts = demand.Values.SelectMany(d => d.Parts).ToHashSet();
        var seeders = holders.SelectMany(h => h).ToHashSet();
        var minRtt = demand.Keys.Min(i => seeders.Count == 0 ? 0 : seeders.Min(s => Rtt(nodes[i].Region, nodes[s].Region)));

        // Seed upload.
        double seedTerm = 0;
        foreach (var p in neededParts)
        {
            var up = holders[p].Sum(h => nodes[h].Group.UplinkBytesPerSecond);
            seedTerm = Math.Max(seedTerm, up <= 0 ? double.PositiveInfinity : catalog.Parts[p].Size / up);
        }
        var totalUnique = neededParts.Sum(p => (double)catalog.Parts[p].Size);
        var seedUp = seeders.Sum(s => nodes[s].Group.UplinkBytesPerSecond);
        seedTerm = Math.Max(seedTerm, totalUnique / seedUp);
        terms["seed upload"] = firstStart + minRtt + seedTerm;

        // Each fetcher's download.
        double downTerm = 0;
        foreach (var (i, d) in demand)
        {
            var bytes = d.Parts.Sum(p => (double)catalog.Parts[p].Size);
            var rtt = seeders.Count == 0 ? 0 : seeders.Min(s => Rtt(nodes[i].Region, nodes[s].Region));
            downTerm = Math.Max(downTerm, d.Start + rtt + bytes / nodes[i].Group.DownlinkBytesPerSecond);
        }
        terms["fetcher download"] = downTerm;

        // Total upload capacity of everyone who can serve.
        var uploaders = seeders.Union(demand.Keys);
        var totalDemand = demand.Values.Sum(d => d.Parts.Sum(p => (double)catalog.Parts[p].Size));
        terms["swarm upload"] = firstStart + minRtt + totalDemand / uploaders.Sum(u => nodes[u].Group.UplinkBytesPerSecond);

        // Regions behind capacity-limited paths.
        foreach (var region in nodes.Select(n => n.Region).Distinct())
        {
            var missing = demand.Where(kv => nodes[kv.Key].Region == region)
                .SelectMany(kv => kv.Value.Parts)
                .Where(p => !holders[p].Any(h => nodes[h].Region == region))
                .Distinct().Sum(p => (double)catalog.Parts[p].Size);
            if (missing <= 0) continue;
            double inbound = 0;
            var unlimited = false;
            foreach (var other in nodes.Select(n => n.Region).Distinct().Where(r => r != region))
            {
                var link = scenario.Cluster.LinkBetween(other, region);
                if (link?.CapacityBytesPerSecond is { } c) inbound += c;
                else unlimited = true;
            }
            if (!unlimited && inbound > 0) terms[$"into {region}"] = firstStart + minRtt + missing / inbound;
        }

        var binding = terms.MaxBy(kv => kv.Value);
        // The registry baseline's own limit: its uplink carries every fetcher's demand.
        var reg = scenario.Cluster.Registry;
        var regRtt = demand.Keys.Max(i => Rtt(nodes[i].Region, reg.Region));
        var registry = Math.Max(totalDemand / reg.UplinkBytesPerSecond + firstStart, downTerm - minRtt) + regRtt;
        return new BoundResult(binding.Value, binding.Key, terms, registry,
            "T* = max(F/Σu_seeders, start_i + D_i/d_i, ΣD_i/(Σu_seeders + Σu_fetchers), F_r/Σc_into_r) + RTT");
    }
}
