using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Shoal.Lab.Definitions;

/// <summary>
/// Reads cluster, peer and scenario definitions from YAML and validates them. Every problem is a
/// <see cref="DefinitionException"/> whose path names the field (<c>cluster.groups[1].uplink</c>).
/// </summary>
public static class DefinitionReader
{
    /// <summary>Strategy names a peer definition may use.</summary>
    public static IReadOnlyList<string> KnownStrategies { get; } = ["bitswap-1.1", "bitswap-1.2", "shoal", "registry", "ideal"];

    /// <summary>The strategies compared when a scenario names none.</summary>
    public static IReadOnlyList<string> DefaultStrategies { get; } = ["bitswap-1.1", "bitswap-1.2", "shoal", "registry"];

    /// <summary>Default per-connection jitter and loss: none.</summary>
    private static readonly TimeSpan NoJitter = TimeSpan.Zero;

    /// <summary>Default chunk size: Kubo's 256 KiB, the size the seed blog's measurements used.</summary>
    public const int DefaultChunkSize = 256 * 1024;

    /// <summary>Largest chunk accepted: Bitswap refuses blocks over 2 MiB.</summary>
    public const int MaxChunkSize = 2 * 1024 * 1024;

    /// <summary>Default virtual-time limit of one trial: far above any shipped scenario, so a stuck run ends.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    public static ScenarioDefinition LoadScenario(string path)
        => ReadScenario(File.ReadAllText(path), path);

    public static ClusterDefinition LoadCluster(string path)
        => ReadCluster(Root(File.ReadAllText(path), path), Path.GetDirectoryName(Path.GetFullPath(path)));

    /// <summary>Validates a file of any kind (scenario, cluster or peers) and says which kind it was.</summary>
    public static string Validate(string path)
    {
        var text = File.ReadAllText(path);
        var root = Root(text, path);
        if (root.IsMapping && !root.Field("groups").IsMissing) { ReadCluster(root, Path.GetDirectoryName(Path.GetFullPath(path))); return "cluster"; }
        if (root.IsSequence || (root.IsMapping && !root.Field("strategy").IsMissing)) { ReadPeerList(root); return "peers"; }
        ReadScenario(text, path);
        return "scenario";
    }

    public static ScenarioDefinition ReadScenario(string yaml, string? sourceFile = null)
    {
        var root = Root(yaml, sourceFile);
        root.OnlyKeys("name", "description", "cluster", "objects", "seed", "fetch", "churn", "strategies", "peers", "repetitions", "randomSeed", "timeout", "peersPerNode", "rateUpdateInterval");
        var baseDir = sourceFile is null ? Environment.CurrentDirectory : Path.GetDirectoryName(Path.GetFullPath(sourceFile))!;
        var name = root.Field("name").String(sourceFile is null ? "scenario" : Path.GetFileNameWithoutExtension(sourceFile));

        var clusterField = root.Field("cluster");
        ClusterDefinition cluster;
        if (clusterField.IsMissing) throw clusterField.Error("is required (a mapping, or the path of a cluster file)");
        if (clusterField.IsScalar)
        {
            var file = Path.Combine(baseDir, clusterField.String());
            if (!File.Exists(file)) throw clusterField.Error($"cluster file '{file}' does not exist");
            cluster = ReadCluster(Root(File.ReadAllText(file), file), Path.GetDirectoryName(file));
        }
        else cluster = ReadCluster(clusterField, baseDir);
        var nodes = ClusterNode.Expand(cluster);

        var objects = ReadObjects(root.Field("objects"), baseDir);
        var objectNames = objects.Select(o => o.Name).ToHashSet();

        var seed = ReadStages(root.Field("seed"), objectNames, nodes, isFetch: false).Select(s => new SeedStage(s.Query, s.Objects)).ToList();
        if (seed.Count == 0) throw root.Field("seed").Error("is required: at least one stage of nodes holding objects at the start");
        var fetch = ReadStages(root.Field("fetch"), objectNames, nodes, isFetch: true);
        if (fetch.Count == 0) throw root.Field("fetch").Error("is required: at least one stage of nodes fetching objects");

        var churn = new List<ChurnEvent>();
        var churnField = root.Field("churn");
        if (!churnField.IsMissing)
            foreach (var c in churnField.Items())
            {
                c.OnlyKeys("query", "leave", "join");
                var q = ReadQuery(c.Field("query"), nodes);
                var leave = c.Field("leave").OptionalDuration();
                var join = c.Field("join").OptionalDuration();
                if (leave is null && join is null) throw c.Error("needs 'leave', 'join' or both");
                if (leave is not null && join is not null && join <= leave) throw c.Field("join").Error("must be after 'leave'");
                churn.Add(new ChurnEvent(q, leave, join));
            }

        var peers = new List<PeerDefinition>();
        var peersField = root.Field("peers");
        if (!peersField.IsMissing) peers.AddRange(ReadPeerList(peersField));
        var strategiesField = root.Field("strategies");
        var strategies = strategiesField.StringList();
        for (var i = 0; i < strategies.Count; i++)
        {
            if (!KnownStrategies.Contains(strategies[i]))
                throw new DefinitionException($"{strategiesField.Path}[{i}]", $"unknown strategy '{strategies[i]}'; known: {string.Join(", ", KnownStrategies)}", sourceFile);
            peers.Add(new PeerDefinition(strategies[i], strategies[i], BuildDefinition.Current, ["tcp"], ["yamux"], "static", new Dictionary<string, string>()));
        }
        if (peers.Count == 0)
            peers.AddRange(DefaultStrategies.Select(s => new PeerDefinition(s, s, BuildDefinition.Current, ["tcp"], ["yamux"], "static", new Dictionary<string, string>())));
        var dupName = peers.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (dupName is not null) throw new DefinitionException("peers", $"two trials are named '{dupName.Key}'; names must be unique", sourceFile);

        return new ScenarioDefinition(
            name,
            root.Field("description").String(""),
            cluster,
            objects,
            seed,
            fetch,
            churn,
            peers,
            root.Field("repetitions").Int(1, 1, 1000),
            root.Field("randomSeed").Int(1),
            root.Field("timeout").Duration(DefaultTimeout),
            root.Field("peersPerNode").Int(0, 0, 100_000),
            sourceFile)
        {
            RateUpdateInterval = RateUpdateInterval(root.Field("rateUpdateInterval")),
        };
    }

    /// <summary>More than this would make transfers visibly late (a 256 KiB block takes 2 ms at 1 Gbit/s).</summary>
    private static readonly TimeSpan MaxRateUpdateInterval = TimeSpan.FromMilliseconds(1);

    private static TimeSpan RateUpdateInterval(YamlCursor field)
    {
        var interval = field.Duration(TimeSpan.Zero);
        if (interval > MaxRateUpdateInterval) throw field.Error($"must be at most {MaxRateUpdateInterval.TotalMilliseconds:0} ms (0 = exact), got '{field.String()}'");
        return interval;
    }

    private static YamlCursor Root(string yaml, string? file)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e) { throw new DefinitionException("", $"not valid YAML: {e.Message}", file, (int)e.Start.Line); }
        if (stream.Documents.Count == 0) throw new DefinitionException("", "the file is empty", file);
        return new YamlCursor(stream.Documents[0].RootNode, "", file);
    }

    private static ClusterDefinition ReadCluster(YamlCursor c, string? baseDir)
    {
        c.OnlyKeys("name", "groups", "links", "registry");
        var groups = new List<NodeGroupDefinition>();
        var groupsField = c.Field("groups");
        if (groupsField.IsMissing) throw groupsField.Error("is required: at least one group of nodes");
        foreach (var g in groupsField.Items())
        {
            g.OnlyKeys("name", "count", "size", "labels", "region", "uplink", "downlink", "bandwidth", "loss", "jitter");
            var name = g.Field("name").String();
            if (groups.Any(x => x.Name == name)) throw g.Field("name").Error($"group name '{name}' is used twice");
            if (name.Contains(' ') || name.Contains('\'') || name.Contains('(')) throw g.Field("name").Error("must not contain spaces, quotes or parentheses");
            var countField = g.Field("count").IsMissing ? g.Field("size") : g.Field("count");
            if (countField.IsMissing) throw g.Field("count").Error("is required");
            var count = countField.Int(0, 1, 100_000);
            var both = g.Field("bandwidth");
            var up = g.Field("uplink").IsMissing ? (both.IsMissing ? throw g.Field("uplink").Error("is required (or give 'bandwidth' for both directions)") : both.Rate()) : g.Field("uplink").Rate();
            var down = g.Field("downlink").IsMissing ? (both.IsMissing ? up : both.Rate()) : g.Field("downlink").Rate();
            groups.Add(new NodeGroupDefinition(name, count, g.Field("labels").StringList(), g.Field("region").String("default"),
                up, down, g.Field("loss").Fraction(0), g.Field("jitter").Duration(NoJitter)));
        }
        if (groups.Count == 0) throw groupsField.Error("needs at least one group");
        var regions = groups.Select(g => g.Region).ToHashSet();

        var links = new List<RegionLinkDefinition>();
        var linksField = c.Field("links");
        if (!linksField.IsMissing)
            foreach (var l in linksField.Items())
            {
                l.OnlyKeys("between", "rtt", "capacity", "loss", "jitter");
                var between = l.Field("between").StringList();
                if (between.Count is < 1 or > 2) throw l.Field("between").Error("must name one region (within it) or two regions");
                var a = between[0];
                var b = between.Count == 2 ? between[1] : between[0];
                foreach (var r in new[] { a, b })
                    if (!regions.Contains(r) && r != "registry") throw l.Field("between").Error($"region '{r}' has no nodes; regions are: {string.Join(", ", regions)}");
                var rttField = l.Field("rtt");
                if (rttField.IsMissing) throw rttField.Error("is required");
                var cap = l.Field("capacity");
                links.Add(new RegionLinkDefinition(a, b, rttField.Duration(default), cap.IsMissing ? null : cap.Rate(), l.Field("loss").Fraction(0), l.Field("jitter").Duration(NoJitter)));
            }

        foreach (var a in regions)
            foreach (var b in regions)
                if (!links.Any(l => (l.From == a && l.To == b) || (l.From == b && l.To == a)))
                    throw linksField.Error(a == b ? $"needs the latency within region '{a}' (between: [{a}], rtt: ...)" : $"needs the latency between regions '{a}' and '{b}'");

        var reg = c.Field("registry");
        RegistryDefinition registry;
        if (reg.IsMissing) registry = new RegistryDefinition(groups[0].Region, groups.Max(g => g.UplinkBytesPerSecond) * 10, 3, TimeSpan.Zero);
        else
        {
            reg.OnlyKeys("region", "uplink", "parallelDownloads", "requestOverhead");
            var region = reg.Field("region").String(groups[0].Region);
            if (!regions.Contains(region)) throw reg.Field("region").Error($"region '{region}' has no nodes; regions are: {string.Join(", ", regions)}");
            var upField = reg.Field("uplink");
            if (upField.IsMissing) throw upField.Error("is required");
            registry = new RegistryDefinition(region, upField.Rate(), reg.Field("parallelDownloads").Int(3, 1, 64), reg.Field("requestOverhead").Duration(TimeSpan.Zero));
        }
        return new ClusterDefinition(c.Field("name").String(""), groups, links, registry);
    }

    private static List<ObjectDefinition> ReadObjects(YamlCursor field, string baseDir)
    {
        if (field.IsMissing) throw field.Error("is required: at least one object");
        var list = new List<ObjectDefinition>();
        foreach (var (name, o) in field.Entries())
        {
            o.OnlyKeys("type", "size", "layers", "layout", "profile", "chunkSize");
            var type = o.Field("type").String("file");
            var profile = o.Field("profile").String("kubo");
            if (profile is not ("kubo" or "kubo-v1" or "helia")) throw o.Field("profile").Error($"unknown import profile '{profile}'; known: kubo, kubo-v1, helia");
            // Profiles' chunk sizes as Shoal.Core's importer defines them: Kubo 256 KiB (v0 and v1), Helia 1 MiB.
            var chunk = o.Field("chunkSize").IsMissing ? (profile == "helia" ? 1024 * 1024 : DefaultChunkSize) : (int)o.Field("chunkSize").Bytes();
            if (chunk > MaxChunkSize) throw o.Field("chunkSize").Error($"must be at most {Quantity.FormatBytes(MaxChunkSize)} (Bitswap's block limit)");
            switch (type)
            {
                case "file":
                    list.Add(new ObjectDefinition(name, ObjectKind.File, [o.Field("size").Bytes()], profile, chunk, null));
                    break;
                case "oci":
                    var layout = o.Field("layout").OptionalString();
                    List<long> layers;
                    if (layout is not null)
                    {
                        var dir = Path.Combine(baseDir, layout);
                        try { layers = OciLayout.ReadLayerSizes(dir); }
                        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
                        { throw o.Field("layout").Error($"cannot read OCI layout '{dir}': {e.Message}"); }
                    }
                    else
                    {
                        var lf = o.Field("layers");
                        if (lf.IsMissing) throw lf.Error("is required for an oci object (a list of layer sizes), unless 'layout' names an OCI layout directory");
                        layers = lf.Items().Select(i => i.Bytes()).ToList();
                        if (layers.Count == 0) throw lf.Error("needs at least one layer");
                    }
                    list.Add(new ObjectDefinition(name, ObjectKind.Oci, layers, profile, chunk, layout));
                    break;
                default:
                    throw o.Field("type").Error($"unknown object type '{type}'; known: file, oci");
            }
        }
        if (list.Count == 0) throw field.Error("needs at least one object");
        return list;
    }

    private static List<FetchStage> ReadStages(YamlCursor field, HashSet<string> objectNames, IReadOnlyList<ClusterNode> nodes, bool isFetch)
    {
        var stages = new List<FetchStage>();
        if (field.IsMissing) return stages;
        if (field.IsMapping)
        {
            // p2plab's form: { "query": "object" } or { "query": [objects] }.
            foreach (var (key, value) in field.Entries())
            {
                var q = ParseQuery(key, value, nodes);
                stages.Add(new FetchStage(q, CheckObjects(value, value.StringList(), objectNames), TimeSpan.Zero, TimeSpan.Zero));
            }
            return stages;
        }
        foreach (var s in field.Items())
        {
            if (isFetch) s.OnlyKeys("query", "objects", "start", "stagger");
            else s.OnlyKeys("query", "objects");
            var q = ReadQuery(s.Field("query"), nodes);
            var objs = s.Field("objects");
            if (objs.IsMissing) throw objs.Error("is required");
            stages.Add(new FetchStage(q, CheckObjects(objs, objs.StringList(), objectNames), s.Field("start").Duration(TimeSpan.Zero), s.Field("stagger").Duration(TimeSpan.Zero)));
        }
        return stages;
    }

    private static IReadOnlyList<string> CheckObjects(YamlCursor where, IReadOnlyList<string> names, HashSet<string> known)
    {
        if (names.Count == 0) throw where.Error("names no object");
        foreach (var n in names)
            if (!known.Contains(n)) throw where.Error($"unknown object '{n}'; objects are: {string.Join(", ", known)}");
        return names;
    }

    private static NodeQuery ReadQuery(YamlCursor f, IReadOnlyList<ClusterNode> nodes) => ParseQuery(f.String(), f, nodes);

    private static NodeQuery ParseQuery(string text, YamlCursor where, IReadOnlyList<ClusterNode> nodes)
    {
        NodeQuery q;
        try { q = NodeQuery.Parse(text); }
        catch (FormatException e) { throw where.Error($"bad node query \"{text}\": {e.Message}"); }
        try
        {
            if (q.Select(nodes, new Random(0)).Count == 0) throw where.Error($"node query \"{text}\" matches no node");
        }
        catch (InvalidOperationException e) { throw where.Error($"node query \"{text}\": {e.Message}"); }
        return q;
    }

    private static List<PeerDefinition> ReadPeerList(YamlCursor field)
    {
        var list = new List<PeerDefinition>();
        var items = field.IsSequence ? field.Items() : [field];
        foreach (var p in items)
        {
            p.OnlyKeys("name", "strategy", "gitReference", "binary", "transports", "muxers", "securityTransports", "routing", "options");
            var strategy = p.Field("strategy").String();
            if (!KnownStrategies.Contains(strategy)) throw p.Field("strategy").Error($"unknown strategy '{strategy}'; known: {string.Join(", ", KnownStrategies)}");
            var git = p.Field("gitReference").OptionalString();
            var bin = p.Field("binary").OptionalString();
            if (git is not null && bin is not null) throw p.Field("binary").Error("give either 'gitReference' or 'binary', not both");
            var routing = p.Field("routing").String("static");
            if (routing is not ("static" or "dht" or "nil")) throw p.Field("routing").Error($"unknown routing '{routing}'; known: static, dht, nil");
            var transports = p.Field("transports").StringList();
            foreach (var t in transports) if (t != "tcp") throw p.Field("transports").Error($"unsupported transport '{t}'; Shoal speaks: tcp");
            var muxers = p.Field("muxers").StringList();
            foreach (var m in muxers) if (m != "yamux") throw p.Field("muxers").Error($"unsupported muxer '{m}'; Shoal speaks: yamux");
            var options = new Dictionary<string, string>();
            var of = p.Field("options");
            if (!of.IsMissing) foreach (var (k, v) in of.Entries()) options[k] = v.String();
            list.Add(new PeerDefinition(p.Field("name").String(strategy), strategy, new BuildDefinition(git, bin),
                transports.Count == 0 ? ["tcp"] : transports, muxers.Count == 0 ? ["yamux"] : muxers, routing, options));
        }
        return list;
    }
}
