using System.Net;

namespace Shoal.Registry;

/// <summary>The upstream answered 401/403 even after the auth flow: the content is not ours to serve.</summary>
public sealed class UpstreamRefusedException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
