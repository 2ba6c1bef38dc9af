using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Shoal.Core;

namespace Shoal.Benchmarks;

/// <summary>UnixFS import throughput next to raw SHA-256 over the same bytes (the target: import
/// ≥ 70% of SHA-256), allocations per MiB imported, and CID parsing.
/// Run: <c>dotnet run -c Release --project bench/Shoal.Benchmarks -- --filter *CoreBenchmarks*</c></summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class CoreBenchmarks
{
    /// <summary>64 MiB: 64 Helia chunks / 256 Kubo chunks, big enough that per-import setup is noise.</summary>
    public const int FileSize = 64 * 1024 * 1024;

    /// <summary>SHA-256 baseline hashes in Helia-sized pieces, as the importer does.</summary>
    private const int HashPiece = 1024 * 1024;

    private byte[] _file = [];
    private readonly byte[] _digest = new byte[32];
    private readonly string _v1 = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
    private readonly string _v0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
    private byte[] _v1Bytes = [];

    [Params("kubo", "helia")]
    public string Profile { get; set; } = "helia";

    [GlobalSetup]
    public void Setup()
    {
        _file = SeededContentStream.Bytes("core-benchmark", FileSize);
        _v1Bytes = Cid.Parse(_v1).Bytes.ToArray();
    }

    [Benchmark(Baseline = true, Description = "SHA256.HashData (raw)")]
    public byte[] Sha256Raw()
    {
        for (int o = 0; o < _file.Length; o += HashPiece) SHA256.HashData(_file.AsSpan(o, Math.Min(HashPiece, _file.Length - o)), _digest);
        return _digest;
    }

    [Benchmark(Description = "UnixFS import")]
    public async Task<Cid> Import()
    {
        var result = await UnixFsImporter.ImportAsync(new MemoryStream(_file, writable: false), new DiscardingBlockStore(),
            UnixFsImportOptions.FromProfile(Profile));
        return result.Root;
    }

    [Benchmark(OperationsPerInvoke = 1000, Description = "Cid.Parse v1 base32 ×1000")]
    public Cid ParseV1()
    {
        Cid cid = null!;
        for (int i = 0; i < 1000; i++) cid = Cid.Parse(_v1);
        return cid;
    }

    [Benchmark(OperationsPerInvoke = 1000, Description = "Cid.Parse v0 base58 ×1000")]
    public Cid ParseV0()
    {
        Cid cid = null!;
        for (int i = 0; i < 1000; i++) cid = Cid.Parse(_v0);
        return cid;
    }

    [Benchmark(OperationsPerInvoke = 1000, Description = "Cid.FromBytes ×1000")]
    public Cid FromBytes()
    {
        Cid cid = null!;
        for (int i = 0; i < 1000; i++) cid = Cid.FromBytes(_v1Bytes);
        return cid;
    }

    /// <summary>Measures the importer itself: blocks are hashed and built, then dropped. Like a disk store it does
    /// not keep block memory, so the importer reuses one pooled buffer.</summary>
    private sealed class DiscardingBlockStore : IBlockStore
    {
        public bool KeepsBlockMemory => false;
        public ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default) => ValueTask.FromResult(false);
        public ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default) => ValueTask.FromResult<Block?>(null);
        public ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default) => ValueTask.FromResult<int?>(null);
        public ValueTask PutAsync(Block block, CancellationToken ct = default) => ValueTask.CompletedTask;
        public ValueTask DeleteAsync(Cid cid, CancellationToken ct = default) => ValueTask.CompletedTask;
        public async IAsyncEnumerable<Cid> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
        {
            await Task.CompletedTask;
            yield break;
        }
    }

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig()
        {
            AddColumn(new FileColumn("MB/s", (summary, bc) => FileSize / 1e6 / (summary[bc]!.ResultStatistics!.Mean / 1e9)));
            AddColumn(new FileColumn("Alloc/MiB", (summary, bc) =>
                summary[bc]!.GcStats.GetBytesAllocatedPerOperation(bc)!.Value / (double)(FileSize / (1024 * 1024))));
        }
    }

    /// <summary>A figure per 64 MiB file, shown only for the file-sized benchmarks.</summary>
    private sealed class FileColumn(string name, Func<Summary, BenchmarkCase, double> value) : IColumn
    {
        public string Id => nameof(FileColumn) + name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => name == "MB/s" ? "Bytes of the 64 MiB file processed per second (MB = 10^6 bytes)" : "Bytes allocated per MiB of file";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (benchmarkCase.Descriptor.WorkloadMethod.Name is not (nameof(Sha256Raw) or nameof(Import))) return "-";
            if (summary[benchmarkCase]?.ResultStatistics is null) return "?";
            return value(summary, benchmarkCase).ToString(name == "MB/s" ? "N0" : "N0");
        }
    }
}
