namespace Shoal.Node;

/// <summary>Where blocks are kept.</summary>
public sealed class DatastoreConfig
{
    /// <summary>flatfs (on disk, Kubo's layout) | memory (lost on exit; for tests and the Lab).</summary>
    public string Kind { get; set; } = "flatfs";
    /// <summary>Block directory, relative to the repository unless absolute.</summary>
    public string Path { get; set; } = "blocks";
    /// <summary>Soft cap in bytes reported by `repo stat` (Kubo's StorageMax); 0 = no cap. Not enforced by gc.</summary>
    public long StorageMax { get; set; } = 10L * 1024 * 1024 * 1024;
}
