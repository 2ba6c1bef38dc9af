using System.Net.Http.Headers;

namespace Shoal.Registry.Tests;

/// <summary>An HTTP client for a mirror, asking for manifests the way containerd does.</summary>
internal static class MirrorClient
{
    public static HttpClient For(RegistryMirrorHost host) => new() { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(25) };

    public static HttpRequestMessage ManifestRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        foreach (var t in OciMediaTypes.AcceptedManifests) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(t));
        return request;
    }

    public static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var v) ? string.Join(",", v) :
        response.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : "";
}
