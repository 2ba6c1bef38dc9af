namespace Shoal.Registry;

/// <summary>A manifest as the upstream answered it: verified bytes (null for HEAD), type and digest.</summary>
public sealed record UpstreamManifest(OciDigest Digest, string MediaType, byte[]? Content, long Length);
