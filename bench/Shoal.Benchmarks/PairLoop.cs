using System.Diagnostics;
using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Benchmarks;

/// <summary>
/// The Shoal pair of <see cref="BitswapPairBenchmarks"/> in a plain loop, for profiling and quick A/B runs: each
/// transfer (fresh seeder, fresh leecher, 100 MiB) prints wall MiB/s, process CPU per MiB (and how many cores that kept
/// busy: near the core count means the pair is CPU-bound, not waiting on flow control) and bytes allocated per MiB.
/// Run: dotnet run -c Release --project bench/Shoal.Benchmarks -- pair [transfers] [seeder MaxOutstandingBytesPerPeer in MiB]
/// </summary>
public static class PairLoop
{
    public static async Task RunAsync(int transfers, int? outstandingMiB = null)
    {
        var seederOptions = BitswapOptions.For(BitswapStrategy.Shoal);
        if (outstandingMiB is { } o) seederOptions = seederOptions with { MaxOutstandingBytesPerPeer = o * 1024 * 1024 };
        Console.WriteLine($"seeder MaxOutstandingBytesPerPeer = {seederOptions.MaxOutstandingBytesPerPeer / (1024.0 * 1024):F0} MiB");
        var store = new MemoryBlockStore();
        var data = new byte[BitswapPairBenchmarks.FileSize];
        new Random(1).NextBytes(data);
        var root = (await UnixFsImporter.ImportAsync(data, store, UnixFsImportOptions.Helia)).Root;
        const double mib = BitswapPairBenchmarks.FileSize / (1024.0 * 1024.0);
        var walls = new List<double>();
        for (int i = 0; i < transfers; i++)
        {
            await using var seederHost = new P2pHost(new HostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
            await seederHost.StartAsync();
            await using var seederNetwork = new Libp2pBitswapNetwork(seederHost);
            await using var seeder = new Bitswap.Bitswap(seederNetwork, store, seederOptions);
            seeder.Start();

            long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            await using (var host = new P2pHost(new HostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] }))
            {
                await host.StartAsync();
                await using var network = new Libp2pBitswapNetwork(host);
                await using var leecher = new Bitswap.Bitswap(network, new MemoryBlockStore(), BitswapOptions.For(BitswapStrategy.Shoal));
                leecher.Start();
                await host.ConnectAsync(seederHost.ListenAddresses[0].WithPeerId(seederHost.LocalPeer));
                var result = await leecher.FetchDagAsync(root);
                if (result.Bytes < BitswapPairBenchmarks.FileSize) throw new InvalidOperationException($"fetched {result.Bytes} bytes");
                sw.Stop();
            }
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            long alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
            double wall = mib / sw.Elapsed.TotalSeconds;
            walls.Add(wall);
            Console.WriteLine($"transfer {i + 1}: {sw.Elapsed.TotalMilliseconds,7:F0} ms  {wall,7:F1} MiB/s  CPU {cpu.TotalMilliseconds / mib:F3} ms/MiB ({cpu / sw.Elapsed:F2} cores busy)  alloc {alloc / mib / 1024:F1} KiB/MiB  load {File.ReadAllText("/proc/loadavg").Trim()}");
        }
        walls.Sort();
        Console.WriteLine($"median {walls[walls.Count / 2]:F1} MiB/s, best {walls[^1]:F1} MiB/s over {transfers} transfers");
    }
}
