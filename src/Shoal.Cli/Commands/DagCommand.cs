using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>`shoal dag export CID > x.car`, `shoal dag import x.car`: whole DAGs as CARv1 files.</summary>
public static class DagCommand
{
    public static Command Create()
    {
        var exportCid = new Argument<string>("cid");
        var export = new Command("export", "Write a DAG as a CARv1 to standard output") { exportCid };
        CliAction.Set(export, async (ctx, ct) =>
        {
            var cid = ApiEndpoints.ParseCidArg(ctx.Get(exportCid)!);
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            await using var stdout = Console.OpenStandardOutput();
            await node.DagExportAsync(cid, stdout, ct).ConfigureAwait(false);
            return CliAction.Ok;
        });

        var files = new Argument<string[]>("file") { Description = "CAR files ('-' = standard input)", Arity = ArgumentArity.OneOrMore };
        var noPin = new Option<bool>("--no-pin-roots") { Description = "Do not pin the CAR's roots" };
        var import = new Command("import", "Import blocks from CARv1 files and pin their roots") { files, noPin };
        CliAction.Set(import, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            foreach (var path in ctx.Get(files) ?? [])
            {
                if (path != "-" && !File.Exists(path)) throw new FileNotFoundException($"no such file: {path}");
                await using var stream = path == "-" ? Console.OpenStandardInput() : File.OpenRead(path);
                var result = await node.DagImportAsync(stream, !ctx.Get(noPin), ct).ConfigureAwait(false);
                if (ctx.Json) await ctx.WriteJsonAsync(result).ConfigureAwait(false);
                else
                {
                    foreach (var root in result.Roots) await ctx.Out.WriteLineAsync($"imported root {root}{(ctx.Get(noPin) ? "" : " (pinned)")}").ConfigureAwait(false);
                    await ctx.Out.WriteLineAsync($"{result.BlockCount} blocks").ConfigureAwait(false);
                }
            }
            return CliAction.Ok;
        });

        return new Command("dag", "Export and import DAGs as CAR files") { export, import };
    }
}
