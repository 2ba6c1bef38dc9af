using System.Diagnostics;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Benchmarks;

/// <summary>
/// One Bitswap pair over loopback TCP (Noise + Yamux), 100 MiB file in 1 MiB blocks (Helia's import profile):
/// Shoal → Shoal (fresh seeder per iteration, and one seeder reused), and two Helia nodes (interop/bitswap-pair.mjs) doing the same in the same run. Prints MB/s and
/// allocations per MiB. Run: dotnet run -c Release --project bench/Shoal.Benchmarks -- --filter '*BitswapPair*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class BitswapPairBenchmarks
{
    public const int FileSize = 100 * 1024 * 1024;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // In-process: one 100 MiB transfer per iteration is long enough that process isolation buys nothing.
            AddJob(Job.Default.WithToolchain(BenchmarkDotNet.Toolchains.InProcess.Emit.InProcessEmitToolchain.Instance)
                .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3).WithInvocationCount(1).WithUnrollFactor(1));
            AddColumn(new ThroughputColumn(), new AllocationPerMiBColumn());
        }
    }

    private P2pHost _seederHost = null!;
    private Libp2pBitswapNetwork _seederNetwork = null!;
    private Bitswap.Bitswap _seeder = null!;
    private Cid _root = null!;
    private Process? _helia;
    private StreamWriter? _heliaIn;
    private StreamReader? _heliaOut;
    private int _heliaId;

    private MemoryBlockStore _seederStore = null!;

    [GlobalSetup(Target = nameof(Shoal))]
    public async Task SetupShoal() => await ImportAsync();

    /// <summary>A fresh seeder for every iteration (not timed): each transfer is that seeder's first upload of the
    /// file, as for any one pair. A reused Shoal seeder holds back blocks it already uploaded (super-seeding, issue 9);
    /// <see cref="ShoalSeederReused"/> measures that case.</summary>
    [IterationSetup(Target = nameof(Shoal))]
    public void StartFreshSeeder() => StartSeederAsync().GetAwaiter().GetResult();

    [IterationCleanup(Target = nameof(Shoal))]
    public void StopFreshSeeder() => StopSeederAsync().GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(ShoalSeederReused))]
    public async Task SetupShoalSeederReused()
    {
        await ImportAsync();
        await StartSeederAsync();
    }

    [GlobalCleanup(Target = nameof(ShoalSeederReused))]
    public async Task CleanupShoalSeederReused() => await StopSeederAsync();

    private async Task ImportAsync()
    {
        _seederStore = new MemoryBlockStore();
        var data = new byte[FileSize];
        new Random(1).NextBytes(data);
        _root = (await UnixFsImporter.ImportAsync(data, _seederStore, UnixFsImportOptions.Helia)).Root;
    }

    private async Task StartSeederAsync()
    {
        _seederHost = new P2pHost(new HostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        await _seederHost.StartAsync();
        _seederNetwork = new Libp2pBitswapNetwork(_seederHost);
        _seeder = new Bitswap.Bitswap(_seederNetwork, _seederStore, BitswapOptions.For(BitswapStrategy.Shoal));
        _seeder.Start();
    }

    private async Task StopSeederAsync()
    {
        await _seeder.DisposeAsync();
        await _seederNetwork.DisposeAsync();
        await _seederHost.DisposeAsync();
    }

    /// <summary>A fresh leecher fetches the whole DAG from a seeder that has not uploaded it yet.</summary>
    [Benchmark]
    public Task Shoal() => FetchFromSeederAsync();

    /// <summary>A fresh leecher fetches the whole DAG from the same seeder every iteration: after the first upload the
    /// seeder's super-seeding defers every block it already sent (up to ShoalMaxDeferral each).</summary>
    [Benchmark]
    public Task ShoalSeederReused() => FetchFromSeederAsync();

    private async Task FetchFromSeederAsync()
    {
        await using var host = new P2pHost(new HostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        await host.StartAsync();
        await using var network = new Libp2pBitswapNetwork(host);
        await using var leecher = new Bitswap.Bitswap(network, new MemoryBlockStore(), BitswapOptions.For(BitswapStrategy.Shoal));
        leecher.Start();
        await host.ConnectAsync(_seederHost.ListenAddresses[0].WithPeerId(_seederHost.LocalPeer));
        var result = await leecher.FetchDagAsync(_root);
        if (result.Bytes < FileSize) throw new InvalidOperationException($"fetched {result.Bytes} bytes");
    }

    [GlobalSetup(Target = nameof(Helia))]
    public void SetupHelia()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Shoal.slnx"))) dir = dir.Parent;
        var interop = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Shoal.slnx not found"), "interop");
        var start = new ProcessStartInfo("node") { WorkingDirectory = interop, RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--import", "./polyfill.mjs", "bitswap-pair.mjs" }) start.ArgumentList.Add(a);
        _helia = Process.Start(start)!;
        _heliaIn = _helia.StandardInput;
        _heliaOut = _helia.StandardOutput;
        _heliaOut.ReadLine(); // ready
        HeliaCommand($"{{\"cmd\":\"prepare\",\"size\":{FileSize}}}");
    }

    [GlobalCleanup(Target = nameof(Helia))]
    public void CleanupHelia()
    {
        HeliaCommand("{\"cmd\":\"stop\"}");
        _helia!.WaitForExit(10_000);
        _helia.Dispose();
    }

    /// <summary>Two Helia nodes, same file layout, same loopback: the js side times only the fetch.</summary>
    [Benchmark(Baseline = true)]
    public void Helia() => HeliaCommand("{\"cmd\":\"transfer\"}");

    private JsonElement HeliaCommand(string json)
    {
        var id = ++_heliaId;
        _heliaIn!.WriteLine(json.Insert(1, $"\"id\":{id},"));
        _heliaIn.Flush();
        var reply = JsonDocument.Parse(_heliaOut!.ReadLine()!).RootElement;
        if (!reply.GetProperty("ok").GetBoolean()) throw new InvalidOperationException(reply.GetProperty("error").GetString());
        return reply;
    }

    private sealed class ThroughputColumn : IColumn
    {
        public string Id => "MBps";
        public string ColumnName => "MiB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "MiB of file per second (100 MiB / mean)";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return mean is null or 0 ? "-" : (FileSize / (1024.0 * 1024.0) / (mean.Value / 1e9)).ToString("F1");
        }
    }

    private sealed class AllocationPerMiBColumn : IColumn
    {
        public string Id => "AllocPerMiB";
        public string ColumnName => "Alloc/MiB";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 1;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Size;
        public string Legend => "Bytes allocated in the .NET process per MiB fetched (Helia: only the IPC)";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var bytes = summary[benchmarkCase]?.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
            return bytes is null ? "-" : $"{bytes.Value / 100.0 / 1024:F1} KiB";
        }
    }
}
