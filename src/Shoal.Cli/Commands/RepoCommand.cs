using System.CommandLine;

namespace Shoal.Cli.Commands;

/// <summary>`shoal repo gc|stat`: garbage collection (everything not reachable from a pin) and repository size.</summary>
public static class RepoCommand
{
    public static Command Create()
    {
        var gc = new Command("gc", "Delete blocks not reachable from a pinned root");
        CliAction.Set(gc, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var result = await node.GcAsync(ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(result).ConfigureAwait(false);
            else
            {
                foreach (var cid in result.Removed) await ctx.Out.WriteLineAsync($"removed {cid}").ConfigureAwait(false);
                await ctx.Out.WriteLineAsync($"{result.Removed.Count} blocks removed, {result.BytesFreed} bytes freed").ConfigureAwait(false);
            }
            return CliAction.Ok;
        });

        var stat = new Command("stat", "Repository size and block count");
        CliAction.Set(stat, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var s = await node.RepoStatAsync(ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(s).ConfigureAwait(false);
            else await ctx.Out.WriteLineAsync($"NumObjects: {s.NumObjects}\nRepoSize: {s.RepoSize}\nStorageMax: {s.StorageMax}\nRepoPath: {s.RepoPath}\nVersion: {s.Version}").ConfigureAwait(false);
            return CliAction.Ok;
        });

        return new Command("repo", "Garbage-collect and inspect the repository") { gc, stat };
    }
}
