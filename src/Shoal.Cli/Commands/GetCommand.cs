using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>`shoal get CID -o FILE`: saves a file, with a progress bar when run in a terminal.</summary>
public static class GetCommand
{
    public static Command Create()
    {
        var cid = new Argument<string>("path") { Description = "CID of a UnixFS file or raw block, or a path under a directory CID (/ipfs/CID/dir/file)" };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write (default: ./CID, or the path's last name)" };
        var command = new Command("get", "Download the content of a CID to a file") { cid, output };
        CliAction.Set(command, async (ctx, ct) =>
        {
            var argument = ctx.Get(cid)!;
            var (target, segments) = PathResolver.ParseContentPath(argument);
            var path = ctx.Get(output) ?? (segments.Length > 0 ? segments[^1] : target.ToString());
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            await using var content = await node.CatAsync(argument, 0, null, ct).ConfigureAwait(false);
            var temp = path + ".part";
            long written;
            try
            {
                written = await TransferProgress.RunAsync(ctx.ShowProgress, $"get {target.ToString()[..Math.Min(12, target.ToString().Length)]}…", content.Length, async progress =>
                {
                    await using var file = File.Create(temp);
                    return await TransferProgress.CopyAsync(content.Stream, file, progress, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            catch
            {
                File.Delete(temp); // never leave a partial download behind
                throw;
            }
            File.Move(temp, path, overwrite: true);
            if (ctx.Json) await ctx.WriteJsonAsync(new { Cid = target.ToString(), Path = Path.GetFullPath(path), Bytes = written }).ConfigureAwait(false);
            else await ctx.Out.WriteLineAsync($"saved {argument} to {path} ({written} bytes)").ConfigureAwait(false);
            return CliAction.Ok;
        });
        return command;
    }
}
