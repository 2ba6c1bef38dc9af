using System.CommandLine;

namespace Shoal.Cli.Commands;

/// <summary>`shoal stats bitswap|bw`: counters in Kubo's shapes.</summary>
public static class StatsCommand
{
    public static Command Create()
    {
        var bitswap = new Command("bitswap", "Bitswap counters: blocks and bytes received and sent, duplicates, wantlist, peers");
        CliAction.Set(bitswap, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var s = await node.BitswapStatAsync(ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(s).ConfigureAwait(false);
            else
            {
                await ctx.Out.WriteLineAsync($"""
                    bitswap status
                    	blocks received: {s.BlocksReceived}
                    	blocks sent: {s.BlocksSent}
                    	data received: {s.DataReceived}
                    	data sent: {s.DataSent}
                    	dup blocks received: {s.DupBlksReceived}
                    	dup data received: {s.DupDataReceived}
                    	messages received: {s.MessagesReceived}
                    	sessions: {s.Sessions}
                    	wantlist [{s.Wantlist.Count} keys]
                    """).ConfigureAwait(false);
                foreach (var want in s.Wantlist) await ctx.Out.WriteLineAsync($"\t\t{want.Cid}").ConfigureAwait(false);
                await ctx.Out.WriteLineAsync($"\tpartners [{s.Peers.Count}]").ConfigureAwait(false);
            }
            return CliAction.Ok;
        });

        var proto = new Option<string?>("--proto", "-t") { Description = "Only this protocol (e.g. /ipfs/bitswap/1.2.0)" };
        var bw = new Command("bw", "libp2p bandwidth: total and rate in and out, over all protocols or one") { proto };
        CliAction.Set(bw, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var s = await node.BandwidthStatAsync(ctx.Get(proto), ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(s).ConfigureAwait(false);
            else
            {
                await ctx.Out.WriteLineAsync($"Bandwidth\nTotalIn: {s.TotalIn} B\nTotalOut: {s.TotalOut} B\nRateIn: {s.RateIn:0} B/s\nRateOut: {s.RateOut:0} B/s").ConfigureAwait(false);
                foreach (var p in s.Protocols ?? []) await ctx.Out.WriteLineAsync($"  {p.Protocol}: in {p.TotalIn} B, out {p.TotalOut} B").ConfigureAwait(false);
            }
            return CliAction.Ok;
        });

        return new Command("stats", "Node statistics (needs a running daemon)") { bitswap, bw };
    }
}
