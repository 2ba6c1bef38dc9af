namespace Shoal.Registry;

/// <summary>A manifest held locally: its verified bytes and the media type to serve it with.</summary>
public sealed record StoredManifest(OciDigest Digest, string MediaType, byte[] Content);
