using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>`shoal shutdown`: asks the running daemon to stop gracefully.</summary>
public static class ShutdownCommand
{
    public static Command Create()
    {
        var command = new Command("shutdown", "Stop the running daemon");
        CliAction.Set(command, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            if (node is not ShoalApiClient client) throw new InvalidOperationException($"no daemon is running on {ctx.Repo.Path}");
            await client.ShutdownAsync(ct).ConfigureAwait(false);
            await ctx.Out.WriteLineAsync("daemon is shutting down").ConfigureAwait(false);
            return CliAction.Ok;
        });
        return command;
    }
}
