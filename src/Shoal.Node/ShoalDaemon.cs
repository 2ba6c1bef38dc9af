using System.Text.Json;
using OpenTelemetry.Trace;

namespace Shoal.Node;

/// <summary>
/// A running daemon: the started node, its HTTP API, gateway and registry mirror, and the files in the
/// repository (<c>api</c>, <c>gateway</c>, <c>daemon.json</c>) that tell the CLI and the Lab where they are.
/// The repository is locked while it runs, so two daemons never share one.
/// </summary>
public sealed class ShoalDaemon : IAsyncDisposable
{
    private readonly FileStream _lock;
    private readonly HttpServerHost _api;
    private readonly HttpServerHost? _gateway;
    private readonly HttpServerHost? _registry;
    private readonly TracerProvider? _tracing;
    private readonly TaskCompletionSource _shutdownRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ShoalDaemon(ShoalNode node, FileStream repoLock, HttpServerHost api, HttpServerHost? gateway, HttpServerHost? registry, TracerProvider? tracing)
    {
        Node = node;
        _lock = repoLock;
        _api = api;
        _gateway = gateway;
        _registry = registry;
        _tracing = tracing;
        Info = new DaemonInfo(node.PeerId, node.ListenAddresses, api.Url, gateway?.Url, registry?.Url, Environment.ProcessId);
    }

    public ShoalNode Node { get; }
    public DaemonInfo Info { get; }

    /// <summary>Completes when a client asked the daemon to stop (POST /api/v0/shutdown).</summary>
    public Task ShutdownRequested => _shutdownRequested.Task;

    public const string LockFileName = "repo.lock";

    public static async Task<ShoalDaemon> StartAsync(ShoalRepo repo, ShoalConfig config, CancellationToken ct)
    {
        var repoLock = TakeLock(repo);
        ShoalNode? node = null;
        HttpServerHost? api = null, gateway = null, registry = null;
        TracerProvider? tracing = null;
        try
        {
            node = ShoalNode.Open(repo, config);
            await node.StartAsync(ct).ConfigureAwait(false);
            tracing = NodeTracing.StartExporter(config.Telemetry, node.PeerId);
            ShoalDaemon? daemon = null;
            var started = node;
            api = await HttpServerHost.StartAsync(ListenEndpoint.Parse(config.Addresses.Api),
                app => ApiEndpoints.Map(app, started, () => { daemon?._shutdownRequested.TrySetResult(); return Task.CompletedTask; }), ct).ConfigureAwait(false);
            if (config.Addresses.Gateway.Length > 0)
                gateway = await HttpServerHost.StartAsync(ListenEndpoint.Parse(config.Addresses.Gateway), app => GatewayEndpoints.Map(app, started), ct).ConfigureAwait(false);
            registry = await RegistryMirrorHost.StartAsync(node, ct).ConfigureAwait(false);
            daemon = new ShoalDaemon(node, repoLock, api, gateway, registry, tracing);
            node.Endpoints = BuildEndpoints(api, gateway, registry);
            daemon.WriteRepoFiles(repo);
            return daemon;
        }
        catch
        {
            if (registry is not null) await registry.DisposeAsync().ConfigureAwait(false);
            if (gateway is not null) await gateway.DisposeAsync().ConfigureAwait(false);
            if (api is not null) await api.DisposeAsync().ConfigureAwait(false);
            tracing?.Dispose();
            if (node is not null) await node.DisposeAsync().ConfigureAwait(false);
            await repoLock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static Dictionary<string, string> BuildEndpoints(HttpServerHost api, HttpServerHost? gateway, HttpServerHost? registry)
    {
        var endpoints = new Dictionary<string, string> { ["Api"] = api.Url };
        if (gateway is not null) endpoints["Gateway"] = gateway.Url;
        if (registry is not null) endpoints["Registry"] = registry.Url;
        return endpoints;
    }

    private static FileStream TakeLock(ShoalRepo repo)
    {
        try
        {
            return new FileStream(Path.Combine(repo.Path, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"another daemon is already running on {repo.Path} ({e.Message})", e);
        }
    }

    private void WriteRepoFiles(ShoalRepo repo)
    {
        AtomicFile.WriteAllText(repo.ApiFilePath, _api.Endpoint.ToMultiaddr());
        if (_gateway is not null) AtomicFile.WriteAllText(repo.GatewayFilePath, _gateway.Url);
        AtomicFile.WriteAllText(repo.DaemonFilePath, JsonSerializer.Serialize(Info));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var file in new[] { Node.Repo.ApiFilePath, Node.Repo.GatewayFilePath, Node.Repo.DaemonFilePath })
            File.Delete(file);
        if (_registry is not null) await _registry.DisposeAsync().ConfigureAwait(false);
        if (_gateway is not null) await _gateway.DisposeAsync().ConfigureAwait(false);
        await _api.DisposeAsync().ConfigureAwait(false);
        await Node.DisposeAsync().ConfigureAwait(false);
        _tracing?.Dispose();
        await _lock.DisposeAsync().ConfigureAwait(false);
    }
}
