using System.Text.Json;

namespace Shoal.Lab.Definitions;

/// <summary>Reads layer sizes of the first image in an OCI image layout directory (index.json → manifest → layers).</summary>
public static class OciLayout
{
    public static List<long> ReadLayerSizes(string directory)
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "index.json")));
        var manifests = index.RootElement.GetProperty("manifests");
        if (manifests.GetArrayLength() == 0) throw new InvalidDataException("index.json lists no manifest");
        var digest = manifests[0].GetProperty("digest").GetString() ?? throw new InvalidDataException("manifest without digest");
        var parts = digest.Split(':', 2);
        if (parts.Length != 2 || parts[1].Contains('/') || parts[1].Contains('.')) throw new InvalidDataException($"bad digest '{digest}'");
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "blobs", parts[0], parts[1])));
        var sizes = new List<long>();
        foreach (var layer in manifest.RootElement.GetProperty("layers").EnumerateArray()) sizes.Add(layer.GetProperty("size").GetInt64());
        if (sizes.Count == 0) throw new InvalidDataException("the manifest lists no layer");
        return sizes;
    }
}
