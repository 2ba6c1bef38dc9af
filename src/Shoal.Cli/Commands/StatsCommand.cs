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
                    	partners [{s.Peers.Count}]
                    """).ConfigureAwait(false);
            }
            return CliAction.Ok;
        });

        var bw = new Command("bw", "Bandwidth: total and rate in and out");
        CliAction.Set(bw, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var s = await node.BandwidthStatAsync(ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(s).ConfigureAwait(false);
            else await ctx.Out.WriteLineAsync($"Bandwidth\nTotalIn: {s.TotalIn} B\nTotalOut: {s.TotalOut} B\nRateIn: {s.RateIn:0} B/s\nRateOut: {s.RateOut:0} B/s").ConfigureAwait(false);
            return CliAction.Ok;
        });

        return new Command("stats", "Node statistics (needs a running daemon)") { bitswap, bw };
    }
}
