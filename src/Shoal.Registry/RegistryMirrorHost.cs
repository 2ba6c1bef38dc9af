using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Shoal.Registry;

/// <summary>
/// Runs a <see cref="RegistryMirror"/> on Kestrel at <see cref="RegistryMirrorOptions.Listen"/>. The daemon
/// starts one of these when the mirror is configured; tests and the Lab start them directly.
/// </summary>
public sealed class RegistryMirrorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RegistryMirrorHost(WebApplication app, RegistryMirror mirror, Uri address)
    {
        _app = app;
        Mirror = mirror;
        Address = address;
    }

    public RegistryMirror Mirror { get; }
    public RegistryMetrics Metrics => Mirror.Metrics;

    /// <summary>The bound address, e.g. <c>http://127.0.0.1:5050/</c> (the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>host:port of <see cref="Address"/>, the form containerd's hosts.toml and skopeo take.</summary>
    public string HostPort => Address.Authority;

    public static async Task<RegistryMirrorHost> StartAsync(RegistryMirrorOptions options, IBlobSwarm? swarm = null,
        ILoggerFactory? loggerFactory = null, TimeProvider? time = null, HttpMessageHandler? upstreamTransport = null,
        CancellationToken ct = default)
    {
        var endpoint = ParseListen(options.Listen);
        loggerFactory ??= NullLoggerFactory.Instance;
        swarm ??= new LocalBlobCache(Path.Combine(options.DataDirectory, "blobs"));
        var mirror = new RegistryMirror(options, swarm, loggerFactory, time, upstreamTransport);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Shoal.Registry" });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endpoint);
        });
        var app = builder.Build();
        app.Map("/v2", (HttpContext c) => mirror.HandleAsync(c));
        app.Map("/v2/{**rest}", (HttpContext c) => mirror.HandleAsync(c));
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            await mirror.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.Replace("[::]", "[::1]", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal) + "/");
        RegistryLog.Listening(loggerFactory.CreateLogger("Shoal.Registry"), address.ToString(), options.DefaultUpstream?.ToString() ?? "(none)");
        return new RegistryMirrorHost(app, mirror, address);
    }

    /// <summary>Accepts <c>host:port</c>, <c>[v6]:port</c>, <c>localhost:port</c> or an http URL.</summary>
    public static IPEndPoint ParseListen(string listen)
    {
        var text = listen.Trim();
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) text = new Uri(text).Authority;
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase)) text = "127.0.0.1" + text[9..];
        if (IPEndPoint.TryParse(text, out var endpoint) && text.Contains(':', StringComparison.Ordinal)) return endpoint;
        throw new FormatException($"registry listen address must be host:port, got '{listen}'");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await Mirror.DisposeAsync().ConfigureAwait(false);
    }
}
