using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>`shoal pin add|rm|ls`: pinned roots and everything they reference survive `repo gc`.</summary>
public static class PinCommand
{
    public static Command Create()
    {
        var addCid = new Argument<string>("cid");
        var add = new Command("add", "Pin a DAG (fetching any missing blocks first)") { addCid };
        CliAction.Set(add, async (ctx, ct) =>
        {
            var cid = ApiEndpoints.ParseCidArg(ctx.Get(addCid)!);
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var pins = await node.PinAddAsync(cid, ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(new { Pins = pins }).ConfigureAwait(false);
            else foreach (var p in pins) await ctx.Out.WriteLineAsync($"pinned {p} recursively").ConfigureAwait(false);
            return CliAction.Ok;
        });

        var rmCid = new Argument<string>("cid");
        var rm = new Command("rm", "Unpin a DAG (its blocks become collectable)") { rmCid };
        CliAction.Set(rm, async (ctx, ct) =>
        {
            var cid = ApiEndpoints.ParseCidArg(ctx.Get(rmCid)!);
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var pins = await node.PinRmAsync(cid, ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(new { Pins = pins }).ConfigureAwait(false);
            else foreach (var p in pins) await ctx.Out.WriteLineAsync($"unpinned {p}").ConfigureAwait(false);
            return CliAction.Ok;
        });

        var ls = new Command("ls", "List pinned roots");
        CliAction.Set(ls, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var pins = await node.PinLsAsync(ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(new { Keys = pins.ToDictionary(p => p.Cid, p => new { p.Type }) }).ConfigureAwait(false);
            else foreach (var p in pins) await ctx.Out.WriteLineAsync($"{p.Cid} {p.Type}").ConfigureAwait(false);
            return CliAction.Ok;
        });

        return new Command("pin", "Pin, unpin and list pinned content") { add, rm, ls };
    }
}
