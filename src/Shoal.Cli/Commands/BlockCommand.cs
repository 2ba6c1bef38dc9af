using System.CommandLine;
using Shoal.Core;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>`shoal block get|put|stat`: raw blocks by CID.</summary>
public static class BlockCommand
{
    public static Command Create()
    {
        var getCid = new Argument<string>("cid");
        var get = new Command("get", "Write a block's bytes to standard output") { getCid };
        CliAction.Set(get, async (ctx, ct) =>
        {
            var cid = ApiEndpoints.ParseCidArg(ctx.Get(getCid)!);
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var data = await node.BlockGetAsync(cid, ct).ConfigureAwait(false);
            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(data, ct).ConfigureAwait(false);
            return CliAction.Ok;
        });

        var file = new Argument<string>("file") { Description = "File holding the block ('-' = standard input)" };
        var codec = new Option<string>("--cid-codec") { Description = "raw | dag-pb | dag-cbor", DefaultValueFactory = _ => "raw" };
        var version = new Option<int>("--cid-version") { Description = "0 (dag-pb only) or 1", DefaultValueFactory = _ => 1 };
        var put = new Command("put", "Store a block; prints its CID") { file, codec, version };
        CliAction.Set(put, async (ctx, ct) =>
        {
            var path = ctx.Get(file)!;
            var data = path == "-" ? await ReadAllAsync(Console.OpenStandardInput(), ct).ConfigureAwait(false) : await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
            var codecCode = ctx.Get(codec) switch
            {
                "raw" => MulticodecCode.Raw,
                "dag-pb" => MulticodecCode.DagPb,
                "dag-cbor" => MulticodecCode.DagCbor,
                var other => throw new ArgumentException($"unsupported --cid-codec '{other}' (raw, dag-pb, dag-cbor)"),
            };
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var stat = await node.BlockPutAsync(data, codecCode, ctx.Get(version), ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(stat).ConfigureAwait(false);
            else await ctx.Out.WriteLineAsync(stat.Key).ConfigureAwait(false);
            return CliAction.Ok;
        });

        var statCid = new Argument<string>("cid");
        var stat = new Command("stat", "Print a block's CID and size") { statCid };
        CliAction.Set(stat, async (ctx, ct) =>
        {
            var cid = ApiEndpoints.ParseCidArg(ctx.Get(statCid)!);
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var s = await node.BlockStatAsync(cid, ct).ConfigureAwait(false);
            if (ctx.Json) await ctx.WriteJsonAsync(s).ConfigureAwait(false);
            else await ctx.Out.WriteLineAsync($"Key: {s.Key}\nSize: {s.Size}").ConfigureAwait(false);
            return CliAction.Ok;
        });

        return new Command("block", "Read and write raw blocks") { get, put, stat };
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
