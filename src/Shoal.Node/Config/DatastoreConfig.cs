namespace Shoal.Node;

/// <summary>Where blocks are kept.</summary>
public sealed class DatastoreConfig
{
    /// <summary>flatfs (on disk, Kubo's layout) | memory (lost on exit; for tests and the Lab).</summary>
    public string Kind { get; set; } = "flatfs";
    /// <summary>Block directory, relative to the repository unless absolute.</summary>
    public string Path { get; set; } = "blocks";
    /// <summary>Hard cap in bytes of stored block data (Kubo's StorageMax); a write past it is refused; 0 = no cap.</summary>
    public long StorageMax { get; set; } = 10L * 1024 * 1024 * 1024;
}
