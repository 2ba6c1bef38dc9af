namespace Shoal.Registry;

/// <summary>Where a blob was found. <see cref="Root"/> is the root CID (text) of the blob's UnixFS DAG when it
/// lives in a block store; <see cref="Providers"/> names the peers that claimed it (empty when local).</summary>
public sealed record BlobSource(OciDigest Digest, long Length, bool IsLocal, string? Root, IReadOnlyList<string> Providers);
