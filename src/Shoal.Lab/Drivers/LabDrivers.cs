using Shoal.Lab.Content;

namespace Shoal.Lab.Drivers;

/// <summary>Makes the drivers with their default dependencies.</summary>
public static class LabDrivers
{
    /// <summary>The Bitswap strategies need a catalog of real blocks; set by the Bitswap adapter.</summary>
    public static ICatalogBuilder? BlockCatalogBuilder { get; set; } = new UnixFsCatalogBuilder();

    public static ILabDriver Sim() => new SimDriver(BlockCatalogBuilder);
    /// <param name="links">Kernel, shell or none; null = kernel when this machine allows it (root, iproute2), else shell.</param>
    public static DaemonDriver Local(string? shoalBinary, LinkModel? links = null) => new(new LocalLauncher(shoalBinary), "local", links);
    public static DaemonDriver Cluster(string inventory, string? shoalBinary, LinkModel? links = null) => new(SshLauncher.FromInventory(inventory), "cluster", links);
}
