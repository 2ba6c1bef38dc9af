using System.CommandLine;
using System.Text.Json;

namespace Shoal.Cli.Commands;

/// <summary>`shoal swarm connect|peers|addrs|identify`: the daemon's libp2p connections.</summary>
public static class SwarmCommand
{
    public static Command Create()
    {
        var address = new Argument<string>("multiaddr") { Description = "e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW..." };
        var connect = new Command("connect", "Open a connection to a peer") { address };
        CliAction.Set(connect, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var lines = await node.SwarmConnectAsync(ctx.Get(address)!, ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(new { Strings = lines }).ConfigureAwait(false);
            else foreach (var l in lines) await ctx.Out.WriteLineAsync(l).ConfigureAwait(false);
            return CliAction.Ok;
        });

        var peers = new Command("peers", "List connected peers");
        CliAction.Set(peers, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var list = await node.SwarmPeersAsync(ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(new { Peers = list }).ConfigureAwait(false);
            else foreach (var p in list) await ctx.Out.WriteLineAsync($"{p.Addr}/p2p/{p.Peer}").ConfigureAwait(false);
            return CliAction.Ok;
        });

        var addrs = new Command("addrs", "List the addresses this node listens on");
        CliAction.Set(addrs, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var list = await node.SwarmAddrsAsync(ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(new { Strings = list }).ConfigureAwait(false);
            else foreach (var a in list) await ctx.Out.WriteLineAsync(a).ConfigureAwait(false);
            return CliAction.Ok;
        });

        var peer = new Argument<string>("peer") { Description = "Peer id of a connected peer" };
        var identify = new Command("identify", "Show what identify learned about a connected peer") { peer };
        CliAction.Set(identify, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var id = await node.SwarmIdentifyAsync(ctx.Get(peer)!, ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync(JsonSerializer.Serialize(id, ctx.Json ? CliContext.JsonOutput : CliContext.JsonOutputIndented)).ConfigureAwait(false);
            return CliAction.Ok;
        });

        return new Command("swarm", "Manage libp2p connections (needs a running daemon)") { connect, peers, addrs, identify };
    }
}
