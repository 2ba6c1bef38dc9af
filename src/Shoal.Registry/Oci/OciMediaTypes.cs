namespace Shoal.Registry;

/// <summary>Manifest media types a mirror must carry unchanged (OCI and Docker schema 2).</summary>
public static class OciMediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string OctetStream = "application/octet-stream";

    /// <summary>What the mirror asks the upstream for: every type it can store and serve.</summary>
    public static readonly string[] AcceptedManifests = [OciIndex, OciManifest, DockerManifestList, DockerManifest];

    /// <summary>A manifest's media type from its own <c>mediaType</c> field, else guessed from its shape.</summary>
    public static string Sniff(ReadOnlySpan<byte> manifest)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(manifest);
            using var doc = System.Text.Json.JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object) return OciManifest;
            if (doc.RootElement.TryGetProperty("mediaType", out var mt) && mt.ValueKind == System.Text.Json.JsonValueKind.String
                && mt.GetString() is { Length: > 0 } type)
                return type;
            return doc.RootElement.TryGetProperty("manifests", out _) ? OciIndex : OciManifest;
        }
        catch (System.Text.Json.JsonException)
        {
            return OciManifest;
        }
    }
}
