namespace Shoal.Core;

/// <summary>How a file becomes a UnixFS DAG: fixed-size chunks, balanced layout.</summary>
public sealed record UnixFsImportOptions
{
    /// <summary>Kubo's chunker refuses chunks above 1 MiB by default; 4 MiB still fits under
    /// <see cref="DagPb.MaxBlockSize"/> with headroom for the node wrapper.</summary>
    public const int MaxChunkSize = 4 * 1024 * 1024 - 1024;

    /// <summary>Each link costs ~40 bytes; 8192 links keep a parent node well under a 1 MiB block.</summary>
    public const int MaxLinksLimit = 8192;

    /// <summary>Kubo's default: CIDv0, 256 KiB chunks, 174 links per node, dag-pb leaves (unixfs-v0-2015).</summary>
    public static UnixFsImportOptions Kubo { get; } = new() { CidVersion = 0, ChunkSize = 256 * 1024, MaxLinks = 174, RawLeaves = false };

    /// <summary>Kubo with <c>--cid-version=1</c> (which implies raw leaves): CIDv1, 256 KiB, 174 links.</summary>
    public static UnixFsImportOptions KuboV1 { get; } = new() { CidVersion = 1, ChunkSize = 256 * 1024, MaxLinks = 174, RawLeaves = true };

    /// <summary>Helia / unixfs-v1-2025: CIDv1, 1 MiB chunks, 1024 links per node, raw leaves.</summary>
    public static UnixFsImportOptions Helia { get; } = new() { CidVersion = 1, ChunkSize = 1024 * 1024, MaxLinks = 1024, RawLeaves = true };

    public int CidVersion { get; init; } = 1;

    public int ChunkSize { get; init; } = 1024 * 1024;

    public int MaxLinks { get; init; } = 1024;

    /// <summary>Leaves as raw blocks (always CIDv1) rather than UnixFS File nodes.</summary>
    public bool RawLeaves { get; init; } = true;

    public ulong HashCode { get; init; } = MulticodecCode.Sha2_256;

    public static IReadOnlyList<string> ProfileNames { get; } = ["kubo", "kubo-v1", "helia"];

    /// <summary>Looks up <c>kubo</c>, <c>kubo-v1</c> or <c>helia</c> (also the IPIP-0499 names
    /// <c>unixfs-v0-2015</c> and <c>unixfs-v1-2025</c>).</summary>
    public static UnixFsImportOptions FromProfile(string name) => name.ToLowerInvariant() switch
    {
        "kubo" or "unixfs-v0-2015" => Kubo,
        "kubo-v1" => KuboV1,
        "helia" or "unixfs-v1-2025" => Helia,
        _ => throw new ArgumentException($"unknown UnixFS profile '{name}' (expected kubo, kubo-v1 or helia)", nameof(name)),
    };

    internal void Validate()
    {
        if (CidVersion is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(CidVersion), "CID version must be 0 or 1");
        if (ChunkSize is < 1 or > MaxChunkSize) throw new ArgumentOutOfRangeException(nameof(ChunkSize), $"chunk size must be 1..{MaxChunkSize}");
        if (MaxLinks is < 2 or > MaxLinksLimit) throw new ArgumentOutOfRangeException(nameof(MaxLinks), $"max links must be 2..{MaxLinksLimit}");
        if (CidVersion == 0 && HashCode != MulticodecCode.Sha2_256) throw new ArgumentException("CIDv0 requires sha2-256");
        if (!Multihash.IsSupported(HashCode) || HashCode == MulticodecCode.Identity)
            throw new ArgumentException($"hash {MulticodecCode.NameOf(HashCode)} cannot be used for import");
    }
}
