using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>
/// `shoal daemon`: runs the node (libp2p, Bitswap, DHT, block store, HTTP API, gateway, registry mirror)
/// until SIGINT/SIGTERM or `shoal shutdown`. Flags override the config file and the environment.
/// </summary>
public static class DaemonCommand
{
    public static Command Create()
    {
        var listen = new Option<string[]>("--listen") { Description = "Swarm listen multiaddr (repeatable), e.g. /ip4/127.0.0.1/tcp/0", AllowMultipleArgumentsPerToken = false };
        var gateway = new Option<string?>("--gateway") { Description = "Gateway address, e.g. 127.0.0.1:0; empty string turns it off" };
        var bootstrap = new Option<string[]>("--bootstrap") { Description = "Bootstrap peer multiaddr with /p2p/ID (repeatable; replaces the config's list)" };
        var init = new Option<bool>("--init") { Description = "Create the repository first if it does not exist" };
        var initProfile = new Option<string?>("--init-profile") { Description = "Profile for --init: default or test" };
        var registryListen = new Option<string?>("--registry-listen") { Description = "Turn the OCI registry mirror on at this address" };
        var registryUpstream = new Option<string?>("--registry-upstream") { Description = "Default upstream registry URL for the mirror" };
        var dhtMode = new Option<string?>("--dht-mode") { Description = "auto | server | client | off" };
        var strategy = new Option<string?>("--strategy") { Description = "Bitswap strategy: shoal | bitswap-1.2 | bitswap-1.1" };
        var memory = new Option<bool>("--memory") { Description = "Keep blocks in memory only (Datastore.Kind=memory)" };
        var otlp = new Option<string?>("--otlp-endpoint") { Description = "Export traces over OTLP to this URL" };
        var set = new Option<string[]>("--set") { Description = "Override any config key: --set Limits.MaxConnections=100 (repeatable)" };
        var command = new Command("daemon", "Run the Shoal node: libp2p + Bitswap + DHT + HTTP API + gateway")
        {
            listen, gateway, bootstrap, init, initProfile, registryListen, registryUpstream, dhtMode, strategy, memory, otlp, set,
        };
        CliAction.Set(command, async (ctx, ct) =>
        {
            if (!ctx.Repo.IsInitialized && ctx.Get(init))
                InitCommand.Initialize(ctx.Repo.Path, force: false, yaml: false, ctx.Get(initProfile));
            var config = ctx.Repo.LoadConfig();
            void Flag(string key, string? value, string flag)
            {
                if (value is not null) ConfigLoader.Set(config, key, value, $"flag {flag}");
            }
            if (ctx.Get(listen) is { Length: > 0 } l) Flag("Addresses.Swarm", string.Join(',', l), "--listen");
            // The global --api names the API address; for the daemon that is where it listens (port 0 = any free port).
            Flag("Addresses.Api", ctx.Get(GlobalOptions.Api), "--api");
            Flag("Addresses.Gateway", ctx.Get(gateway), "--gateway");
            if (ctx.Get(bootstrap) is { Length: > 0 } b) Flag("Bootstrap", string.Join(',', b), "--bootstrap");
            Flag("Registry.Listen", ctx.Get(registryListen), "--registry-listen");
            Flag("Registry.Upstream", ctx.Get(registryUpstream), "--registry-upstream");
            Flag("Dht.Mode", ctx.Get(dhtMode), "--dht-mode");
            Flag("Bitswap.Strategy", ctx.Get(strategy), "--strategy");
            Flag("Telemetry.OtlpEndpoint", ctx.Get(otlp), "--otlp-endpoint");
            if (ctx.Get(memory)) Flag("Datastore.Kind", "memory", "--memory");
            foreach (var assignment in ctx.Get(set) ?? [])
            {
                var eq = assignment.IndexOf('=');
                if (eq <= 0) throw new ArgumentException($"--set '{assignment}' is not KEY=VALUE");
                Flag(assignment[..eq], assignment[(eq + 1)..], "--set");
            }
            ConfigLoader.Validate(config);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

            await using var daemon = await ShoalDaemon.StartAsync(ctx.Repo, config, stop.Token).ConfigureAwait(false);
            var info = daemon.Info;
            if (ctx.Json) await ctx.Out.WriteLineAsync(JsonSerializer.Serialize(info)).ConfigureAwait(false);
            else
            {
                await ctx.Out.WriteLineAsync($"peer identity: {info.Id}").ConfigureAwait(false);
                foreach (var a in info.Addresses) await ctx.Out.WriteLineAsync($"swarm listening on {a}").ConfigureAwait(false);
                await ctx.Out.WriteLineAsync($"API server listening on {info.Api}").ConfigureAwait(false);
                if (info.Gateway is not null) await ctx.Out.WriteLineAsync($"gateway server listening on {info.Gateway}").ConfigureAwait(false);
                if (info.Registry is not null) await ctx.Out.WriteLineAsync($"registry mirror listening on {info.Registry}").ConfigureAwait(false);
                await ctx.Out.WriteLineAsync("Daemon is ready").ConfigureAwait(false);
            }
            await ctx.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);

            await Task.WhenAny(daemon.ShutdownRequested, Task.Delay(Timeout.Infinite, stop.Token)).ConfigureAwait(false);
            if (!ctx.Json) await ctx.Out.WriteLineAsync("shutting down").ConfigureAwait(false);
            return CliAction.Ok;
        });
        return command;
    }
}
