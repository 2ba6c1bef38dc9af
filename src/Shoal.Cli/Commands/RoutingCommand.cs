using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>`shoal routing findprovs|provide`: content routing through the DHT.</summary>
public static class RoutingCommand
{
    public static Command Create()
    {
        var findCid = new Argument<string>("cid");
        var max = new Option<int>("--num-providers", "-n") { Description = "Stop after this many providers", DefaultValueFactory = _ => 20 };
        var findprovs = new Command("findprovs", "Find peers that provide a CID") { findCid, max };
        CliAction.Set(findprovs, async (ctx, ct) =>
        {
            var cid = ApiEndpoints.ParseCidArg(ctx.Get(findCid)!);
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            await foreach (var p in node.FindProvidersAsync(cid, ctx.Get(max), ct).ConfigureAwait(false))
            {
                if (ctx.Json) await ctx.WriteJsonAsync(p).ConfigureAwait(false);
                else await ctx.Out.WriteLineAsync(p.Id).ConfigureAwait(false);
            }
            return CliAction.Ok;
        });

        var provideCid = new Argument<string>("cid");
        var provide = new Command("provide", "Announce to the DHT that this node provides a CID") { provideCid };
        CliAction.Set(provide, async (ctx, ct) =>
        {
            var cid = ApiEndpoints.ParseCidArg(ctx.Get(provideCid)!);
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            await node.ProvideAsync(cid, ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(new { Strings = new[] { cid.ToString() } }).ConfigureAwait(false);
            else await ctx.Out.WriteLineAsync($"providing {cid}").ConfigureAwait(false);
            return CliAction.Ok;
        });

        return new Command("routing", "Find and announce content providers (needs a running daemon)") { findprovs, provide };
    }
}
