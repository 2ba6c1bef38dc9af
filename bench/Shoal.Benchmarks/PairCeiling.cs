using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Shoal.Benchmarks;

/// <summary>
/// The physical ceiling of a Bitswap pair on this machine: single-core cost per MiB of each unavoidable step
/// (ChaCha20-Poly1305 seal and open in Noise-sized frames, SHA-256 of a received block, a loopback TCP copy, a
/// memory copy), and the best pair throughput those allow when sender and receiver share the machine's cores.
/// Run: dotnet run -c Release --project bench/Shoal.Benchmarks -- ceiling
/// </summary>
public static class PairCeiling
{
    /// <summary>Largest Noise transport plaintext (65535-byte frame minus the 16-byte tag): what bulk data is sealed in.</summary>
    private const int FramePlaintext = 65535 - 16;
    private const int BlockSize = 1024 * 1024;
    /// <summary>Bytes moved per measurement: long enough (≥ 0.1 s per step) that timer and JIT noise vanish.</summary>
    private const long BytesPerRun = 512L * 1024 * 1024;
    /// <summary>Runs per step; the fastest is kept (the machine is shared: slower runs measure other people's work).</summary>
    private const int Runs = 5;

    public static void Run()
    {
        Console.WriteLine($"Pair ceiling on {Environment.ProcessorCount} cores, .NET {Environment.Version}; load: {LoadAverage()}");
        var seal = Best(SealMiBps);
        var open = Best(OpenMiBps);
        var nsecSeal = Best(NSecSealMiBps);
        var sha = Best(Sha256MiBps);
        var copy = Best(CopyMiBps);
        var (tcpWall, tcpCpuPerMiB) = BestTcp();
        Console.WriteLine($"ChaCha20-Poly1305 seal  (BCL/OpenSSL, 64 KiB frames): {seal,8:F0} MiB/s  = {1000 / seal:F3} ms CPU per MiB");
        Console.WriteLine($"ChaCha20-Poly1305 open  (BCL/OpenSSL, 64 KiB frames): {open,8:F0} MiB/s  = {1000 / open:F3} ms CPU per MiB");
        Console.WriteLine($"ChaCha20-Poly1305 seal  (NSec/libsodium, for comparison): {nsecSeal,8:F0} MiB/s");
        Console.WriteLine($"SHA-256 (1 MiB blocks):                              {sha,8:F0} MiB/s  = {1000 / sha:F3} ms CPU per MiB");
        Console.WriteLine($"memory copy (1 MiB):                                 {copy,8:F0} MiB/s  = {1000 / copy:F3} ms CPU per MiB");
        Console.WriteLine($"loopback TCP, 64 KiB writes, one sender + one receiver thread: {tcpWall,8:F0} MiB/s wall, {tcpCpuPerMiB:F3} ms CPU per MiB (both ends, kernel included)");
        double sender = 1000 / seal;
        double receiver = 1000 / open + 1000 / sha;
        double total = sender + receiver + tcpCpuPerMiB;
        Console.WriteLine($"unavoidable CPU per MiB: seal {sender:F3} + open {1000 / open:F3} + SHA-256 {1000 / sha:F3} + TCP {tcpCpuPerMiB:F3} = {total:F3} ms");
        Console.WriteLine($"ceiling with {Environment.ProcessorCount} cores perfectly shared: {Environment.ProcessorCount * 1000 / total:F0} MiB/s; " +
                          $"with one core per side (sender: seal + half TCP, receiver: open + hash + half TCP): {1000 / Math.Max(sender + tcpCpuPerMiB / 2, receiver + tcpCpuPerMiB / 2):F0} MiB/s");
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Trim(); }
        catch (IOException) { return "unknown"; }
    }

    private static double Best(Func<double> measure)
    {
        measure(); // warm-up (JIT, caches)
        double best = 0;
        for (int i = 0; i < Runs; i++) best = Math.Max(best, measure());
        return best;
    }

    private static double MiBps(long bytes, TimeSpan elapsed) => bytes / (1024.0 * 1024.0) / elapsed.TotalSeconds;

    private static double SealMiBps()
    {
        using var aead = new ChaCha20Poly1305(RandomNumberGenerator.GetBytes(32));
        var plain = RandomNumberGenerator.GetBytes(FramePlaintext);
        var cipher = new byte[FramePlaintext];
        var tag = new byte[16];
        var nonce = new byte[12];
        long frames = BytesPerRun / FramePlaintext;
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < frames; i++)
        {
            nonce[4] = (byte)i;
            aead.Encrypt(nonce, plain, cipher, tag);
        }
        return MiBps(frames * FramePlaintext, sw.Elapsed);
    }

    private static double OpenMiBps()
    {
        using var aead = new ChaCha20Poly1305(RandomNumberGenerator.GetBytes(32));
        var plain = RandomNumberGenerator.GetBytes(FramePlaintext);
        var cipher = new byte[FramePlaintext];
        var tag = new byte[16];
        var nonce = new byte[12];
        aead.Encrypt(nonce, plain, cipher, tag);
        long frames = BytesPerRun / FramePlaintext;
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < frames; i++) aead.Decrypt(nonce, cipher, tag, plain);
        return MiBps(frames * FramePlaintext, sw.Elapsed);
    }

    private static double NSecSealMiBps()
    {
        var algorithm = NSec.Cryptography.AeadAlgorithm.ChaCha20Poly1305;
        using var key = NSec.Cryptography.Key.Create(algorithm);
        var plain = RandomNumberGenerator.GetBytes(FramePlaintext);
        var cipher = new byte[FramePlaintext + 16];
        var nonce = new byte[12];
        long frames = BytesPerRun / FramePlaintext;
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < frames; i++)
        {
            nonce[4] = (byte)i;
            algorithm.Encrypt(key, nonce, default, plain, cipher);
        }
        return MiBps(frames * FramePlaintext, sw.Elapsed);
    }

    private static double Sha256MiBps()
    {
        var data = RandomNumberGenerator.GetBytes(BlockSize);
        Span<byte> hash = stackalloc byte[32];
        long blocks = BytesPerRun / BlockSize;
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < blocks; i++) SHA256.HashData(data, hash);
        return MiBps(blocks * BlockSize, sw.Elapsed);
    }

    private static double CopyMiBps()
    {
        var a = RandomNumberGenerator.GetBytes(BlockSize);
        var b = new byte[BlockSize];
        long blocks = BytesPerRun / BlockSize;
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < blocks; i++) a.AsSpan().CopyTo(b);
        return MiBps(blocks * BlockSize, sw.Elapsed);
    }

    /// <summary>One blocking sender and one blocking receiver thread over 127.0.0.1: wall MiB/s, and the process CPU
    /// (user + kernel, both threads) per MiB, which is what a pair pays for TCP on top of its own work.</summary>
    private static (double WallMiBps, double CpuMsPerMiB) TcpRun()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using var server = listener.Accept();
        var send = RandomNumberGenerator.GetBytes(64 * 1024);
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var receiver = new Thread(() =>
        {
            var buffer = new byte[64 * 1024];
            long got = 0;
            while (got < BytesPerRun)
            {
                int n = server.Receive(buffer);
                if (n == 0) break;
                got += n;
            }
        });
        receiver.Start();
        for (long sent = 0; sent < BytesPerRun; sent += send.Length) client.Send(send);
        receiver.Join();
        var elapsed = sw.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        double mib = BytesPerRun / (1024.0 * 1024.0);
        return (mib / elapsed.TotalSeconds, cpu.TotalMilliseconds / mib);
    }

    private static (double, double) BestTcp()
    {
        TcpRun();
        double bestWall = 0, bestCpu = double.MaxValue;
        for (int i = 0; i < Runs; i++)
        {
            var (wall, cpu) = TcpRun();
            bestWall = Math.Max(bestWall, wall);
            bestCpu = Math.Min(bestCpu, cpu);
        }
        return (bestWall, bestCpu);
    }
}
