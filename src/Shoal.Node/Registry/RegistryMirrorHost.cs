using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Shoal.Net;
using Shoal.Net.Routing;
using Shoal.Registry;

namespace Shoal.Node;

/// <summary>
/// Hook through which the daemon starts the OCI registry mirror (Shoal.Registry) when
/// <c>Registry.Listen</c> is set: blobs are stored as UnixFS DAGs in the node's block store, announced
/// through the node's content routing under <see cref="BlobKey"/>, found through providers asked with
/// <see cref="BlobRootProtocol"/>, and fetched block by block from the network. Returns the running server
/// (its Url goes into `shoal id --json` and the daemon's ready line), or null when the mirror is off.
/// </summary>
public static class RegistryMirrorHost
{
    /// <summary>The mirror's files under the repository: manifests, blob index, download spool.</summary>
    public const string DirectoryName = "registry";

    /// <summary>Starts the mirror over the node's libp2p host (when started), its content routing and its
    /// Bitswap fetch. Offline, blobs come from the upstream and are still stored as DAGs.</summary>
    public static Task<HttpServerHost?> StartAsync(ShoalNode node, CancellationToken ct) =>
        StartAsync(node, node.P2pHost, routing: null, ct);

    /// <summary>Starts the mirror with an explicit libp2p host (for <see cref="BlobRootProtocol"/>) and content
    /// routing (the DHT); null routing means the node's own provide / find-providers.</summary>
    public static async Task<HttpServerHost?> StartAsync(ShoalNode node, IP2pHost? host, IContentRouting? routing, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(node);
        var config = node.Config.Registry;
        if (string.IsNullOrWhiteSpace(config.Listen)) return null;
        var options = ToOptions(config, Path.Combine(node.Repo.Path, DirectoryName));
        var swarm = new DagBlobSwarm(
            node.LocalBlocks,
            new P2pBlobRouting(host, routing ?? new ShoalNodeContentRouting(node)),
            new NodeBlockFetcher(node),
            Path.Combine(options.DataDirectory, "index"),
            TimeSpan.FromMilliseconds(config.ProviderSearchTimeoutMs));
        if (host is not null) BlobRootProtocol.Register(host, swarm);
        var mirror = new RegistryMirror(options, swarm);
        if (host is not null) BlobStreamProtocol.Register(host, mirror.Downloads);
        HttpServerHost server;
        try
        {
            server = await HttpServerHost.StartAsync(ListenEndpoint.Parse(config.Listen), app =>
            {
                app.Map("/v2", (HttpContext c) => mirror.HandleAsync(c));
                app.Map("/v2/{**rest}", (HttpContext c) => mirror.HandleAsync(c));
            }, ct).ConfigureAwait(false);
        }
        catch
        {
            await mirror.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        server.Owns(mirror);
        RegistryPrometheus.Attach(node.Metrics, mirror.Metrics);
        Mirrors.AddOrUpdate(node, mirror);
        // Provider records expire; what this node held before a restart is announced again.
        await swarm.ReannounceAsync(ct).ConfigureAwait(false);
        return server;
    }

    /// <summary>The mirror this hook started for <paramref name="node"/> (its metrics, for `stats` and tests), or null.</summary>
    public static RegistryMirror? MirrorOf(ShoalNode node) => Mirrors.TryGetValue(node, out var m) ? m : null;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ShoalNode, RegistryMirror> Mirrors = new();

    /// <summary>The node's config section as the mirror's options.</summary>
    public static RegistryMirrorOptions ToOptions(RegistryMirrorConfig config, string dataDirectory)
    {
        var options = new RegistryMirrorOptions
        {
            Listen = config.Listen,
            DefaultUpstream = string.IsNullOrWhiteSpace(config.Upstream) ? null : new Uri(config.Upstream),
            DataDirectory = dataDirectory,
            TagTtl = TimeSpan.FromSeconds(config.TagTtlSeconds),
        };
        foreach (var (name, registry) in config.Registries)
            options.Registries[name] = new UpstreamRegistryOptions
            {
                Url = string.IsNullOrWhiteSpace(registry.Url) ? null : new Uri(registry.Url),
                Username = string.IsNullOrEmpty(registry.Username) ? null : registry.Username,
                Password = string.IsNullOrEmpty(registry.Password) ? null : registry.Password,
                Public = registry.Public,
            };
        return options;
    }
}
