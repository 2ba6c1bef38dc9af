using Shoal.Lab.Content;

namespace Shoal.Lab.Drivers;

/// <summary>Makes the drivers with their default dependencies.</summary>
public static class LabDrivers
{
    /// <summary>The Bitswap strategies need a catalog of real blocks; set by the Bitswap adapter.</summary>
    public static ICatalogBuilder? BlockCatalogBuilder { get; set; } = new UnixFsCatalogBuilder();

    public static ILabDriver Sim() => new SimDriver(BlockCatalogBuilder);
    public static ILabDriver Local(string? shoalBinary) => throw new NotSupportedException("the local driver is not available yet");
    public static ILabDriver Cluster(string inventory, string? shoalBinary) => throw new NotSupportedException("the cluster driver is not available yet");
}
