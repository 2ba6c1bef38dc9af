using Shoal.Core;

namespace Shoal.Registry;

/// <summary>
/// The content-routing key a blob is announced under: a CIDv1 (raw codec) whose multihash is the blob's OCI
/// digest itself (sha2-256 or sha2-512). It is what a DHT provider record is keyed by, so any node that
/// knows the digest from a manifest finds who holds the blob; the DAG's root CID is then asked of them.
/// (It is also, literally, the CID of the whole blob as one raw block, which no one ever transfers.)
/// </summary>
public static class BlobKey
{
    public static Cid For(OciDigest digest)
    {
        var code = digest.Algorithm == OciDigest.Sha512 ? MulticodecCode.Sha2_512 : MulticodecCode.Sha2_256;
        return Cid.Create(1, MulticodecCode.Raw, Multihash.Create(code, digest.ToBytes()));
    }

    /// <summary>The digest a key stands for, or null when the CID is not a blob key.</summary>
    public static OciDigest? ToDigest(Cid key)
    {
        if (key.Version != 1 || key.Codec != MulticodecCode.Raw) return null;
        var algorithm = key.Hash.Code switch
        {
            MulticodecCode.Sha2_256 => OciDigest.Sha256,
            MulticodecCode.Sha2_512 => OciDigest.Sha512,
            _ => null,
        };
        return algorithm is null ? null : OciDigest.FromHash(algorithm, key.Hash.Digest.Span);
    }
}
