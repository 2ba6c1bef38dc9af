using Shoal.Lab.Content;

namespace Shoal.Lab.Drivers;

/// <summary>Makes the drivers with their default dependencies.</summary>
public static class LabDrivers
{
    /// <summary>The Bitswap strategies need a catalog of real blocks; set by the Bitswap adapter.</summary>
    public static ICatalogBuilder? BlockCatalogBuilder { get; set; } = new UnixFsCatalogBuilder();

    public static ILabDriver Sim() => new SimDriver(BlockCatalogBuilder);
    public static ILabDriver Local(string? shoalBinary) => new DaemonDriver(new LocalLauncher(shoalBinary), "local");
    public static ILabDriver Cluster(string inventory, string? shoalBinary) => new DaemonDriver(SshLauncher.FromInventory(inventory), "cluster");
}
