using System.CommandLine;

namespace Shoal.Cli.Commands;

/// <summary>`shoal ping MULTIADDR --count N`: libp2p ping round trips.</summary>
public static class PingCommand
{
    public static Command Create()
    {
        var address = new Argument<string>("peer") { Description = "Multiaddr with /p2p/ID, or a peer id the daemon knows addresses for" };
        var count = new Option<int>("--count", "-n") { Description = "Number of pings", DefaultValueFactory = _ => 10 };
        var command = new Command("ping", "Measure round-trip time to a peer with libp2p ping") { address, count };
        CliAction.Set(command, async (ctx, ct) =>
        {
            if (ctx.Get(count) <= 0) throw new ArgumentException("--count must be positive");
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var failures = 0;
            await foreach (var result in node.PingAsync(ctx.Get(address)!, ctx.Get(count), ct).ConfigureAwait(false))
            {
                if (!result.Success) failures++;
                if (ctx.Json) await ctx.WriteJsonAsync(result).ConfigureAwait(false);
                else await ctx.Out.WriteLineAsync(result.Text.Length > 0 ? result.Text : $"Pong received: time={result.TimeMilliseconds:0.###} ms").ConfigureAwait(false);
            }
            return failures == 0 ? CliAction.Ok : CliAction.Failed;
        });
        return command;
    }
}
