using System.Diagnostics;
using System.Text.Json;
using Shoal.Core;

namespace Shoal.Interop.Tests;

/// <summary>Shoal's importer against the real js importer (ipfs-unixfs-importer, as used by Helia), run with
/// Node on the same seeded bytes: the CIDs must be equal for every profile and at every chunk boundary.</summary>
public class UnixFsCidInteropTests
{
    /// <summary>The js side imports ~100 MB in total here; generous for a loaded 2-core CI machine.</summary>
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(90);

    private const int K256 = 256 * 1024, M1 = 1024 * 1024;

    public static TheoryData<string, long> Cases() => new()
    {
        { "kubo", 0 }, { "kubo", 1 }, { "kubo", 12 }, { "kubo", K256 - 1 }, { "kubo", K256 }, { "kubo", K256 + 1 },
        { "kubo", 3L * K256 + 77 }, { "kubo", 174L * K256 }, { "kubo", 174L * K256 + 1 }, { "kubo", 175L * K256 + 5 },
        { "kubo-v1", 0 }, { "kubo-v1", 1 }, { "kubo-v1", K256 }, { "kubo-v1", K256 + 1 }, { "kubo-v1", 174L * K256 + 1 },
        { "helia", 0 }, { "helia", 1 }, { "helia", M1 }, { "helia", M1 + 1 }, { "helia", 5L * M1 + 3 },
        // Small chunks and narrow nodes reach three and four levels in a few kilobytes, for both leaf kinds.
        { "custom-64-3-raw-v1", 64L * 27 }, { "custom-64-3-raw-v1", 64L * 27 + 1 }, { "custom-64-3-pb-v0", 64L * 9 + 1 },
        { "custom-100-4-pb-v1", 100L * 64 + 1 }, { "custom-100-4-raw-v0", 100L * 17 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Shoal_cid_equals_js_importer_cid(string profile, long size)
    {
        string seed = SeedFor(profile, size);
        var all = await JsCids.Value;
        var js = all[$"{profile}:{seed}:{size}"];
        var store = new MemoryBlockStore();
        var result = await UnixFsImporter.ImportAsync(new SeededContentStream(seed, size), store, OptionsFor(profile));
        Assert.Equal(js.Cid, result.Root.ToString());
        Assert.Equal(js.Blocks, store.Count);
    }

    private static string SeedFor(string profile, long size) => $"shoal-interop-{profile}-{size}";

    /// <summary>One Node process computes every case (starting Node per case would cost ~1 s each).</summary>
    private static readonly Lazy<Task<Dictionary<string, JsResult>>> JsCids = new(() =>
    {
        var specs = new List<string>();
        foreach (var row in Cases())
        {
            string profile = (string)row[0];
            long size = (long)row[1];
            specs.Add($"{profile}:{SeedFor(profile, size)}:{size}");
        }
        return JsImporter.CidsAsync(specs);
    });

    private static UnixFsImportOptions OptionsFor(string profile)
    {
        if (!profile.StartsWith("custom-", StringComparison.Ordinal)) return UnixFsImportOptions.FromProfile(profile);
        var p = profile.Split('-');
        return new UnixFsImportOptions
        {
            ChunkSize = int.Parse(p[1]),
            MaxLinks = int.Parse(p[2]),
            RawLeaves = p[3] == "raw",
            CidVersion = p[4] == "v1" ? 1 : 0,
        };
    }

    private sealed record JsResult(string Cid, int Blocks);

    private static class JsImporter
    {
        public static async Task<Dictionary<string, JsResult>> CidsAsync(IReadOnlyList<string> specs)
        {
            var interop = Path.Combine(RepoRoot(), "interop");
            if (!Directory.Exists(Path.Combine(interop, "node_modules", "ipfs-unixfs-importer")))
                throw new InvalidOperationException($"{interop}/node_modules is missing: run `npm ci --omit=peer` in interop/ (./test.sh does)");
            var psi = new ProcessStartInfo("node")
            {
                WorkingDirectory = interop,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "--import", "./polyfill.mjs", "unixfs-cid.mjs" }) psi.ArgumentList.Add(arg);
            foreach (var spec in specs) psi.ArgumentList.Add(spec);
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
            using var cts = new CancellationTokenSource(NodeTimeout);
            var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
            var stderr = process.StandardError.ReadToEndAsync(cts.Token);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"node unixfs-cid.mjs did not finish within {NodeTimeout}");
            }
            var output = await stdout;
            if (process.ExitCode != 0) throw new InvalidOperationException($"node exited {process.ExitCode}: {await stderr}");
            var results = new Dictionary<string, JsResult>();
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                results[root.GetProperty("spec").GetString()!] = new JsResult(root.GetProperty("cid").GetString()!, root.GetProperty("blocks").GetInt32());
            }
            return results;
        }

        private static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Shoal.slnx"))) return dir.FullName;
            throw new InvalidOperationException($"no Shoal.slnx above {AppContext.BaseDirectory}");
        }
    }
}
