namespace Shoal.Lab.Drivers;

/// <summary>How the <c>local</c> driver gives each daemon the links of its cluster group.</summary>
public enum LinkModel
{
    /// <summary>Each daemon in its own network namespace on one bridge; upload shaped by <c>tc tbf</c> on its veth, download on
    /// the bridge side of the pair, so the kernel's TCP shares every link among flows as a network does.</summary>
    Kernel,

    /// <summary>Loopback; the Bitswap shell paces each daemon's block upload and download (<c>Bitswap.MaxUploadBytesPerSecond</c>,
    /// <c>MaxDownloadBytesPerSecond</c>; the download cap is first come, first served, not fair-shared).</summary>
    Shell,

    /// <summary>Loopback, no caps: the machine's CPU is the only limit.</summary>
    None,
}

/// <summary>Parsing and choosing a <see cref="LinkModel"/>.</summary>
public static class LinkModels
{
    /// <summary><c>kernel</c>, <c>shell</c>, <c>none</c>, or <c>auto</c> / null (kernel when it can be set up here, else shell).</summary>
    public static LinkModel? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => null,
        "kernel" => LinkModel.Kernel,
        "shell" => LinkModel.Shell,
        "none" => LinkModel.None,
        var other => throw new ArgumentException($"--links: unknown link model '{other}' (use kernel, shell, none or auto)"),
    };

    public static string Name(LinkModel model) => model.ToString().ToLowerInvariant();
}
