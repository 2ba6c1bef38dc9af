namespace Shoal.Registry;

/// <summary>Error codes from the OCI distribution spec, with the HTTP status each is answered with.</summary>
public enum OciErrorCode
{
    BlobUnknown,
    ManifestUnknown,
    NameInvalid,
    NameUnknown,
    DigestInvalid,
    ManifestInvalid,
    Unauthorized,
    Denied,
    Unsupported,
    TooManyRequests,
}
