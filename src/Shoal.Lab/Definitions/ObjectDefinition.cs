namespace Shoal.Lab.Definitions;

/// <summary>Kinds of content a scenario moves.</summary>
public enum ObjectKind
{
    /// <summary>A generated file of pseudo-random bytes, imported with a UnixFS profile.</summary>
    File,
    /// <summary>An OCI image: each layer a generated blob of the given size (or read from an OCI layout directory).</summary>
    Oci,
}

/// <summary>An object of a scenario; OCI images are sets of layers, each fetched as its own UnixFS file.</summary>
public sealed record ObjectDefinition(
    string Name,
    ObjectKind Kind,
    IReadOnlyList<long> PartSizes,
    string Profile,
    int ChunkSize,
    string? LayoutDirectory)
{
    public long TotalBytes => PartSizes.Sum();
}
