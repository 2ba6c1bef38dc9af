namespace Shoal.Node;

/// <summary>
/// Hook through which the daemon starts the OCI registry mirror (Shoal.Registry). Placeholder created by
/// the node engineer; the registry engineer owns this file and replaces the body: start the mirror when
/// <c>node.Config.Registry.Listen</c> is set (e.g. with <see cref="HttpServerHost.StartAsync"/>) and return
/// the running server (its Url goes into `shoal id --json` and the daemon's ready line), or null when off.
/// The daemon disposes the returned server on shutdown.
/// </summary>
public static class RegistryMirrorHost
{
    public static Task<HttpServerHost?> StartAsync(ShoalNode node, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(node);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<HttpServerHost?>(null);
    }
}
