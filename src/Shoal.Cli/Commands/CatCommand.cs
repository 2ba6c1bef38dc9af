using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>`shoal cat CID`: writes a file's bytes to standard output as they arrive (fetched from peers when the daemon runs), with an optional progress bar on standard error.</summary>
public static class CatCommand
{
    public static Command Create()
    {
        var cid = new Argument<string>("cid") { Description = "CID of a UnixFS file or raw block" };
        var offset = new Option<long>("--offset", "-o") { Description = "Byte offset to start at" };
        var length = new Option<long?>("--length", "-l") { Description = "Maximum number of bytes to write" };
        var command = new Command("cat", "Write the content of a CID to standard output") { cid, offset, length };
        CliAction.Set(command, async (ctx, ct) =>
        {
            var target = ApiEndpoints.ParseCidArg(ctx.Get(cid)!);
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            await using var content = await node.CatAsync(target, ctx.Get(offset), ctx.Get(length), ct).ConfigureAwait(false);
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
