using System.CommandLine;
using System.Globalization;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>
/// `shoal add FILE...`: imports files as UnixFS and pins them. Default profile `kubo` gives the CIDs that
/// `ipfs add` gives (CIDv0, 256 KiB chunks, dag-pb leaves); `kubo-v1` and `helia` are the other presets.
/// </summary>
public static class AddCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("file") { Description = "Files to add ('-' = standard input)", Arity = ArgumentArity.OneOrMore };
        var profile = new Option<string>("--profile") { Description = "kubo (default; CIDv0, 256 KiB, dag-pb leaves) | kubo-v1 (CIDv1, raw leaves) | helia (CIDv1, 1 MiB chunks)", DefaultValueFactory = _ => AddOptions.DefaultProfile };
        var cidVersion = new Option<int?>("--cid-version") { Description = "0 or 1 (1 also turns raw leaves on unless --raw-leaves=false)" };
        var rawLeaves = new Option<bool?>("--raw-leaves") { Description = "Store leaves as raw blocks instead of dag-pb" };
        var chunker = new Option<string?>("--chunker", "-s") { Description = "size-N: fixed chunks of N bytes (e.g. size-262144)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the CIDs" };
        var noPin = new Option<bool>("--no-pin") { Description = "Do not pin what is added (gc may remove it)" };
        var command = new Command("add", "Add files: chunk, hash, store and pin them; prints their CIDs") { files, profile, cidVersion, rawLeaves, chunker, quiet, noPin };
        CliAction.Set(command, async (ctx, ct) =>
        {
            int? chunkSize = null;
            if (ctx.Get(chunker) is { } c)
            {
                if (!c.StartsWith("size-", StringComparison.Ordinal) || !int.TryParse(c.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
                    throw new ArgumentException($"--chunker '{c}' is not size-N");
                chunkSize = n;
            }
            var options = new AddOptions(ctx.Get(profile) ?? AddOptions.DefaultProfile, ctx.Get(cidVersion), ctx.Get(rawLeaves), chunkSize, !ctx.Get(noPin));
            ShoalNode.ToImportOptions(options); // reject bad combinations before any upload starts
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            foreach (var path in ctx.Get(files) ?? [])
            {
                var stdin = path == "-";
                if (!stdin && !File.Exists(path)) throw new FileNotFoundException($"no such file: {path}");
                await using var stream = stdin ? Console.OpenStandardInput() : File.OpenRead(path);
                var name = stdin ? "" : Path.GetFileName(path);
                long? size = stdin ? null : stream.Length;
                var result = await TransferProgress.RunAsync(ctx.ShowProgress && !stdin, $"add {name}", size,
                    progress => node.AddAsync(stream, name, options, progress, ct)).ConfigureAwait(false);
                if (ctx.Json) await ctx.WriteJsonAsync(new AddEvent(result.Name, result.Hash, result.Size.ToString(CultureInfo.InvariantCulture), null)).ConfigureAwait(false);
                else if (ctx.Get(quiet)) await ctx.Out.WriteLineAsync(result.Hash).ConfigureAwait(false);
                else await ctx.Out.WriteLineAsync($"added {result.Hash} {result.Name}".TrimEnd()).ConfigureAwait(false);
            }
            return CliAction.Ok;
        });
        return command;
    }
}
