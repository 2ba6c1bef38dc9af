using System.Diagnostics;

namespace Shoal.Registry.Tests;

/// <summary>Runs the real skopeo (Debian package, installed by setup.sh).</summary>
internal static class Skopeo
{
    public const string Binary = "/usr/bin/skopeo";

    public static async Task CopyAsync(string source, string destination, TimeSpan timeout)
    {
        if (!File.Exists(Binary)) throw new InvalidOperationException($"{Binary} is missing: run ./setup.sh (installs the Debian skopeo package)");
        var psi = new ProcessStartInfo(Binary, ["--insecure-policy", "copy", "--all", "--src-tls-verify=false", source, destination])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"skopeo copy {source} timed out: {await stderr}");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"skopeo copy {source} failed ({process.ExitCode}): {await stderr}\n{await stdout}");
    }

    /// <summary>Every blob of an OCI layout directory re-hashed against its file name; returns the digests.</summary>
    public static HashSet<string> VerifiedLayoutBlobs(string layout)
    {
        var digests = new HashSet<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(layout, "blobs", "sha256")))
        {
            var digest = "sha256:" + Path.GetFileName(file);
            Assert.Equal(digest, TestImage.DigestOf(File.ReadAllBytes(file)));
            digests.Add(digest);
        }
        return digests;
    }
}
