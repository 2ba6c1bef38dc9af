using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Shoal.Registry.Tests;

/// <summary>A generated multi-layer OCI image: gzip'd tar layers of random bytes, a config with the right
/// diff_ids, a manifest, and an index pointing at it, all with their digests.</summary>
internal sealed class TestImage
{
    public sealed record Blob(string Digest, byte[] Content, string MediaType);

    public required Blob Config { get; init; }
    public required IReadOnlyList<Blob> Layers { get; init; }
    public required Blob Manifest { get; init; }
    public required Blob Index { get; init; }

    public IEnumerable<Blob> Blobs => Layers.Prepend(Config);

    public static string DigestOf(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    public static TestImage Generate(int seed, params int[] layerSizes)
    {
        var random = new Random(seed);
        var layers = new List<Blob>();
        var diffIds = new List<string>();
        for (var i = 0; i < layerSizes.Length; i++)
        {
            var payload = new byte[layerSizes[i]];
            random.NextBytes(payload);
            using var tar = new MemoryStream();
            using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, $"layer{i}/data.bin") { DataStream = new MemoryStream(payload) };
                writer.WriteEntry(entry);
            }
            var tarBytes = tar.ToArray();
            diffIds.Add(DigestOf(tarBytes));
            using var gz = new MemoryStream();
            using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(tarBytes);
            var layer = gz.ToArray();
            layers.Add(new Blob(DigestOf(layer), layer, "application/vnd.oci.image.layer.v1.tar+gzip"));
        }
        var config = Json(new
        {
            architecture = "amd64",
            os = "linux",
            created = "2026-01-01T00:00:00Z",
            config = new { Cmd = new[] { "/bin/true" }, Labels = new Dictionary<string, string> { ["seed"] = seed.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
            rootfs = new { type = "layers", diff_ids = diffIds },
        });
        var configBlob = new Blob(DigestOf(config), config, "application/vnd.oci.image.config.v1+json");
        var manifest = Json(new
        {
            schemaVersion = 2,
            mediaType = OciMediaTypes.OciManifest,
            config = new { mediaType = configBlob.MediaType, digest = configBlob.Digest, size = configBlob.Content.Length },
            layers = layers.Select(l => new { mediaType = l.MediaType, digest = l.Digest, size = l.Content.Length }).ToArray(),
        });
        var manifestBlob = new Blob(DigestOf(manifest), manifest, OciMediaTypes.OciManifest);
        var index = Json(new
        {
            schemaVersion = 2,
            mediaType = OciMediaTypes.OciIndex,
            manifests = new[] { new { mediaType = OciMediaTypes.OciManifest, digest = manifestBlob.Digest, size = manifest.Length, platform = new { architecture = "amd64", os = "linux" } } },
        });
        return new TestImage { Config = configBlob, Layers = layers, Manifest = manifestBlob, Index = new Blob(DigestOf(index), index, OciMediaTypes.OciIndex) };
    }

    private static byte[] Json(object value) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value));
}
