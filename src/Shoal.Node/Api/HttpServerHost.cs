using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Shoal.Node;

/// <summary>A Kestrel server on one address, started and stopped with the daemon; reports the port it bound (for port 0).</summary>
public sealed class HttpServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpServerHost(WebApplication app, ListenEndpoint bound)
    {
        _app = app;
        Endpoint = bound;
    }

    /// <summary>The address actually bound (the real port when 0 was asked for).</summary>
    public ListenEndpoint Endpoint { get; }

    public string Url => Endpoint.ToHttpUrl();

    public static async Task<HttpServerHost> StartAsync(ListenEndpoint endpoint, Action<WebApplication> map, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Listen(endpoint.Address, endpoint.Port);
            o.Limits.MaxRequestBodySize = null; // add and dag import stream files of any size
            o.AddServerHeader = false;
        });
        var app = builder.Build();
        map(app);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"cannot listen on {endpoint}: {e.Message}", e);
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        return new HttpServerHost(app, endpoint with { Port = port });
    }

    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>Disposes <paramref name="resource"/> (what the mapped endpoints use) after the server has stopped.</summary>
    public void Owns(IAsyncDisposable resource) => _owned.Add(resource);

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(ShutdownGrace);
        try { await _app.StopAsync(cts.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        await _app.DisposeAsync().ConfigureAwait(false);
        foreach (var resource in _owned) await resource.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>In-flight requests get this long to finish when the daemon stops; long enough for a block, short for Ctrl-C.</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(3);
}
