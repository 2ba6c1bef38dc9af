using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>`shoal cat CID`: writes a file's bytes to standard output as they arrive (fetched from peers when the daemon runs), with an optional progress bar on standard error.</summary>
public static class CatCommand
{
    public static Command Create()
    {
        var cid = new Argument<string>("path") { Description = "CID of a UnixFS file or raw block, or a path under a directory CID (/ipfs/CID/dir/file)" };
        var offset = new Option<long>("--offset", "-o") { Description = "Byte offset to start at" };
        var length = new Option<long?>("--length", "-l") { Description = "Maximum number of bytes to write" };
        var command = new Command("cat", "Write the content of a CID to standard output") { cid, offset, length };
        CliAction.Set(command, async (ctx, ct) =>
        {
            var argument = ctx.Get(cid)!;
            var (target, _) = PathResolver.ParseContentPath(argument); // a bad CID fails here, before any connection
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            await using var content = await node.CatAsync(argument, ctx.Get(offset), ctx.Get(length), ct).ConfigureAwait(false);
            await using var stdout = Console.OpenStandardOutput();
            var text = target.ToString();
            long? expected = content.Length is { } size ? Math.Max(0, Math.Min(size - ctx.Get(offset), ctx.Get(length) ?? long.MaxValue)) : null;
            await TransferProgress.RunAsync(ctx.ShowProgress, $"cat {text[..Math.Min(12, text.Length)]}…", expected,
                progress => TransferProgress.CopyAsync(content.Stream, stdout, progress, ct)).ConfigureAwait(false);
            return CliAction.Ok;
        });
        return command;
    }
}
