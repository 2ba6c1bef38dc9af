using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// The trustless gateway subset of the IPFS HTTP gateway spec: <c>GET|HEAD /ipfs/{cid}</c> as a raw block
/// (<c>?format=raw</c> or <c>Accept: application/vnd.ipld.raw</c>), a CAR (<c>?format=car</c> or
/// <c>application/vnd.ipld.car</c>, with <c>dag-scope</c> block|entity|all), or the UnixFS file's bytes with Range,
/// ETag and immutable caching. Paths (<c>/ipfs/{cid}/dir/file</c>) resolve through UnixFS directories by link name
/// (a CAR of a path holds the blocks along the path, then the target's DAG). Missing blocks are fetched from peers;
/// the path and the target's first block must come within Gateway.NotFoundTimeoutSeconds, else 404.
/// </summary>
public static class GatewayEndpoints
{
    public const string RawType = "application/vnd.ipld.raw";
    public const string CarType = "application/vnd.ipld.car";
    /// <summary>A CID's content never changes: a year, the most browsers and CDNs honour, and immutable.</summary>
    public const string ImmutableCacheControl = "public, max-age=29030400, immutable";

    public static void Map(WebApplication app, ShoalNode node)
    {
        app.MapMethods("/ipfs/{cid}/{**path}", [HttpMethods.Get, HttpMethods.Head], ctx => ServeAsync(ctx, node));
    }

    private static async Task ServeAsync(HttpContext ctx, ShoalNode node)
    {
        System.Diagnostics.Activity.Current = null; // a root span per request, as for the API
        using var activity = NodeTracing.Source.StartActivity("gateway " + ctx.Request.Method, System.Diagnostics.ActivityKind.Server);
        activity?.SetTag("url.path", ctx.Request.Path.Value);
        var status = 500;
        try
        {
            status = await ServeCoreAsync(ctx, node).ConfigureAwait(false);
        }
        catch (Exception e) when (!ctx.Response.HasStarted && ApiEndpoints.ErrorStatus(e) is { } code)
        {
            status = code == 409 ? 503 : code;
            await PlainErrorAsync(ctx, status, e.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested && !ctx.Response.HasStarted)
        {
            status = 404;
            await PlainErrorAsync(ctx, 404, $"not found: no peer provided {ctx.Request.RouteValues["cid"]} within {node.Config.Gateway.NotFoundTimeoutSeconds} s").ConfigureAwait(false);
        }
        catch (Exception e) when (ctx.Response.HasStarted && e is not OperationCanceledException)
        {
            status = 502;
            ctx.Abort();
        }
        finally
        {
            activity?.SetTag("http.response.status_code", status);
            node.Metrics.GatewayRequests.WithLabels(status.ToString(CultureInfo.InvariantCulture)).Inc();
        }
    }

    private static async Task<int> ServeCoreAsync(HttpContext ctx, ShoalNode node)
    {
        var cidText = ctx.Request.RouteValues["cid"] as string ?? "";
        if (!Cid.TryParse(cidText, out var cid))
            return await PlainErrorAsync(ctx, 400, $"invalid CID '{cidText}': not a CIDv0 or multibase CIDv1").ConfigureAwait(false);
        var path = ctx.Request.RouteValues["path"] as string;
        var segments = PathResolver.Segments(path);

        var format = RequestedFormat(ctx.Request);
        if (format is null)
            return await PlainErrorAsync(ctx, 400, $"unsupported format '{ctx.Request.Query["format"]}' (raw, car, or none for file bytes)").ConfigureAwait(false);
        var scope = ctx.Request.Query["dag-scope"].ToString();
        if (scope.Length == 0) scope = "all";
        if (format == "car" && scope is not ("block" or "entity" or "all"))
            return await PlainErrorAsync(ctx, 400, $"unsupported dag-scope '{scope}' (block, entity or all)").ConfigureAwait(false);
        if (format == "car" && ctx.Request.Query.ContainsKey("entity-bytes"))
            return await PlainErrorAsync(ctx, 501, "entity-bytes is not supported by this gateway; use dag-scope=entity for the whole file").ConfigureAwait(false);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(node.Config.Gateway.NotFoundTimeoutSeconds));
        var network = node.Config.Gateway.FetchMissing;
        var head = HttpMethods.IsHead(ctx.Request.Method);

        // The path's blocks are read one by one (each names the next); the target's DAG through one read below.
        ResolvedPath resolved;
        await using (var pathRead = new DagRead(node, cid, network, wholeDag: false))
            resolved = await PathResolver.ResolveAsync(pathRead.GetAsync, cid, segments, timeout.Token).ConfigureAwait(false);
        var target = resolved.Target;

        var etag = format switch
        {
            "raw" => $"\"{target}.raw\"",
            "car" => scope == "all" ? $"\"{target}.car\"" : $"\"{target}.{scope}.car\"",
            _ => $"\"{target}\"",
        };
        var headers = ctx.Response.Headers;
        headers.ETag = etag;
        headers.CacheControl = ImmutableCacheControl;
        headers["X-Ipfs-Path"] = "/ipfs/" + cidText + string.Concat(segments.Select(s => "/" + Uri.EscapeDataString(s)));
        headers["X-Ipfs-Roots"] = string.Join(',', [.. resolved.PathBlocks.Select(b => b.Cid.ToString()), target.ToString()]);
        headers.XContentTypeOptions = "nosniff";
        if (ctx.Request.Headers.IfNoneMatch.Any(v => v == etag || v == "*"))
        {
            ctx.Response.StatusCode = 304;
            return 304;
        }

        // A whole-DAG session only when the body will need every block: not for HEAD, a range, or dag-scope=block.
        var wholeDag = !head && (format == "car" ? scope != "block" : format == "file" && ctx.Request.Headers.Range.Count == 0);
        await using var read = new DagRead(node, target, network, wholeDag);
        // The target's first block is read before any header is sent, so a missing one is a clean 404, not a broken 200.
        var first = await read.GetAsync(target, timeout.Token).ConfigureAwait(false);

        switch (format)
        {
            case "raw":
                ctx.Response.ContentType = RawType;
                headers.ContentDisposition = $"attachment; filename=\"{target}.bin\"";
                ctx.Response.ContentLength = first.Data.Length;
                if (!head) await ctx.Response.Body.WriteAsync(first.Data, ctx.RequestAborted).ConfigureAwait(false);
                return 200;
            case "car":
                ctx.Response.ContentType = CarType + "; version=1; order=dfs; dups=n";
                headers.ContentDisposition = $"attachment; filename=\"{target}.car\"";
                if (head) return 200;
                var dag = scope switch
                {
                    "block" => One(first),
                    "entity" when IsHamtShard(first) => ShardBlocksAsync(read, first, ctx.RequestAborted),
                    "entity" when !IsFileRoot(first) => One(first),
                    _ => DagWalker.WalkBlocksAsync(read.GetAsync, target, ctx.RequestAborted),
                };
                await CarExport.WriteAsync(ctx.Response.Body, cid, resolved.PathBlocks, dag, ctx.RequestAborted).ConfigureAwait(false);
                return 200;
            default:
                return await ServeFileAsync(ctx, read, target, head, timeout.Token).ConfigureAwait(false);
        }
    }

    /// <summary>A UnixFS file or raw block: its entity is every block under it. Directories and other codecs: just the block.</summary>
    private static bool IsFileRoot(Block block)
    {
        if (block.Cid.Codec == MulticodecCode.Raw) return true;
        if (block.Cid.Codec != MulticodecCode.DagPb) return false;
        var node = DagPb.Decode(block.Data.Span);
        return node.Data is { } data && UnixFsData.Decode(data.Span).Type is UnixFsType.File or UnixFsType.Raw;
    }

    private static bool IsHamtShard(Block block) =>
        block.Cid.Codec == MulticodecCode.DagPb && DagPb.Decode(block.Data.Span).Data is { } data && UnixFsData.Decode(data.Span).Type == UnixFsType.HamtShard;

    /// <summary>A sharded directory's entity: every shard block (enough to list it), not the entries' content.</summary>
    private static async IAsyncEnumerable<Block> ShardBlocksAsync(DagRead read, Block root, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var pending = new Stack<Block>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var block = pending.Pop();
            yield return block;
            var node = DagPb.Decode(block.Data.Span);
            var fanout = UnixFsData.Decode(node.Data!.Value.Span).Fanout ?? 0;
            var padding = Math.Max(1, (fanout - 1).ToString("X", CultureInfo.InvariantCulture).Length);
            for (var i = node.Links.Count - 1; i >= 0; i--)
                if (node.Links[i].Name?.Length == padding) pending.Push(await read.GetAsync(node.Links[i].Hash, ct).ConfigureAwait(false));
        }
    }

#pragma warning disable CS1998 // an async iterator of one element
    private static async IAsyncEnumerable<Block> One(Block block)
    {
        yield return block;
    }
#pragma warning restore CS1998

    private static async Task<int> ServeFileAsync(HttpContext ctx, DagRead read, Cid cid, bool head, CancellationToken findToken)
    {
        var size = (await new UnixFsReader(read.GetAsync, 0).StatAsync(cid, findToken).ConfigureAwait(false)) switch
        {
            { Type: UnixFsType.File or UnixFsType.Raw } stat => stat.Size,
            var stat => throw new NotSupportedException($"{cid} is a UnixFS {stat.Type}: this gateway serves files, raw blocks (?format=raw) and CARs (?format=car), not directory listings"),
        };
        ctx.Response.Headers.AcceptRanges = "bytes";
        ctx.Response.ContentType = "application/octet-stream";
        long offset = 0, length = size;
        var status = 200;
        var range = ctx.Request.Headers.Range.ToString();
        if (range.Length > 0)
        {
            if (!TryParseRange(range, size, out offset, out length))
            {
                ctx.Response.Headers.ContentRange = $"bytes */{size}";
                return await PlainErrorAsync(ctx, 416, $"range '{range}' is not satisfiable for {size} bytes").ConfigureAwait(false);
            }
            status = 206;
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {offset}-{offset + length - 1}/{size}";
        }
        ctx.Response.ContentLength = length;
        if (head || length == 0) return status;
        var reader = new UnixFsReader(read.GetAsync, ShoalNode.FilePrefetch);
        await foreach (var piece in reader.ReadAsync(cid, offset, length, ctx.RequestAborted).ConfigureAwait(false))
        {
            await ctx.Response.Body.WriteAsync(piece, ctx.RequestAborted).ConfigureAwait(false);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        }
        return status;
    }

    /// <summary>One byte range (<c>bytes=a-b</c>, <c>bytes=a-</c>, <c>bytes=-n</c>); for several, the first.</summary>
    public static bool TryParseRange(string header, long size, out long offset, out long length)
    {
        offset = 0;
        length = 0;
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) return false;
        var first = header[6..].Split(',')[0].Trim();
        var dash = first.IndexOf('-');
        if (dash < 0) return false;
        var startText = first[..dash].Trim();
        var endText = first[(dash + 1)..].Trim();
        if (startText.Length == 0)
        {
            if (!long.TryParse(endText, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix) || suffix == 0) return false;
            length = Math.Min(suffix, size);
            offset = size - length;
            return size > 0;
        }
        if (!long.TryParse(startText, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset >= size) return false;
        var end = size - 1;
        if (endText.Length > 0)
        {
            if (!long.TryParse(endText, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < offset) return false;
            end = Math.Min(end, size - 1);
        }
        length = end - offset + 1;
        return true;
    }

    private static string? RequestedFormat(HttpRequest request)
    {
        var format = request.Query["format"].ToString();
        if (format.Length > 0) return format is "raw" or "car" ? format : null;
        foreach (var accept in request.Headers.Accept)
        {
            if (accept is null) continue;
            if (accept.Contains(RawType, StringComparison.OrdinalIgnoreCase)) return "raw";
            if (accept.Contains(CarType, StringComparison.OrdinalIgnoreCase)) return "car";
        }
        return "file";
    }

    private static async Task<int> PlainErrorAsync(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.Headers.Remove(HeaderNames.ETag);
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        await ctx.Response.WriteAsync(message + "\n").ConfigureAwait(false);
        return status;
    }
}
