using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// The trustless gateway subset of the IPFS HTTP gateway spec: <c>GET|HEAD /ipfs/{cid}</c> as a raw block
/// (<c>?format=raw</c> or <c>Accept: application/vnd.ipld.raw</c>), a CAR (<c>?format=car</c> or
/// <c>application/vnd.ipld.car</c>), or the UnixFS file's bytes with Range, ETag and immutable caching.
/// Missing blocks are fetched from peers for at most Gateway.NotFoundTimeoutSeconds, then 404.
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
            node.Metrics.GatewayRequests.WithLabels(status.ToString(CultureInfo.InvariantCulture)).Inc();
        }
    }

    private static async Task<int> ServeCoreAsync(HttpContext ctx, ShoalNode node)
    {
        var cidText = ctx.Request.RouteValues["cid"] as string ?? "";
        if (!Cid.TryParse(cidText, out var cid))
            return await PlainErrorAsync(ctx, 400, $"invalid CID '{cidText}': not a CIDv0 or multibase CIDv1").ConfigureAwait(false);
        var path = ctx.Request.RouteValues["path"] as string;
        if (!string.IsNullOrEmpty(path))
            return await PlainErrorAsync(ctx, 501, "paths inside a DAG are not supported by this gateway; request /ipfs/{cid}").ConfigureAwait(false);

        var format = RequestedFormat(ctx.Request);
        if (format is null)
            return await PlainErrorAsync(ctx, 400, $"unsupported format '{ctx.Request.Query["format"]}' (raw, car, or none for file bytes)").ConfigureAwait(false);

        var etag = format switch { "raw" => $"\"{cid}.raw\"", "car" => $"\"{cid}.car\"", _ => $"\"{cid}\"" };
        var headers = ctx.Response.Headers;
        headers.ETag = etag;
        headers.CacheControl = ImmutableCacheControl;
        headers["X-Ipfs-Path"] = "/ipfs/" + cidText;
        headers["X-Ipfs-Roots"] = cid.ToString();
        headers.XContentTypeOptions = "nosniff";
        if (ctx.Request.Headers.IfNoneMatch.Any(v => v == etag || v == "*"))
        {
            ctx.Response.StatusCode = 304;
            return 304;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(node.Config.Gateway.NotFoundTimeoutSeconds));
        var store = node.Config.Gateway.FetchMissing ? node.Blocks : node.LocalBlocks;
        var head = HttpMethods.IsHead(ctx.Request.Method);

        switch (format)
        {
            case "raw":
            {
                var block = await store.GetAsync(cid, timeout.Token).ConfigureAwait(false)
                    ?? throw new KeyNotFoundException($"block {cid} not found");
                ctx.Response.ContentType = RawType;
                headers.ContentDisposition = $"attachment; filename=\"{cid}.bin\"";
                ctx.Response.ContentLength = block.Data.Length;
                if (!head) await ctx.Response.Body.WriteAsync(block.Data, ctx.RequestAborted).ConfigureAwait(false);
                return 200;
            }
            case "car":
            {
                // Fetch the root first so a missing DAG is a clean 404, not a truncated 200.
                _ = await store.GetAsync(cid, timeout.Token).ConfigureAwait(false) ?? throw new KeyNotFoundException($"block {cid} not found");
                if (!head && store == node.Blocks) await node.EnsureLocalDagAsync(cid, ctx.RequestAborted).ConfigureAwait(false);
                ctx.Response.ContentType = CarType + "; version=1";
                headers.ContentDisposition = $"attachment; filename=\"{cid}.car\"";
                if (head) return 200;
                await CarExport.WriteAsync(store, cid, ctx.Response.Body, ctx.RequestAborted).ConfigureAwait(false);
                return 200;
            }
            default:
                _ = await store.GetAsync(cid, timeout.Token).ConfigureAwait(false) ?? throw new KeyNotFoundException($"block {cid} not found");
                if (!head && store == node.Blocks) await node.EnsureLocalDagAsync(cid, ctx.RequestAborted).ConfigureAwait(false);
                return await ServeFileAsync(ctx, store, cid, head, timeout.Token).ConfigureAwait(false);
        }
    }

    private static async Task<int> ServeFileAsync(HttpContext ctx, IBlockStore store, Cid cid, bool head, CancellationToken findToken)
    {
        var size = await UnixFsContent.GetSizeAsync(store, cid, findToken).ConfigureAwait(false);
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
        await using var content = await UnixFsContent.OpenAsync(store, cid, offset, length, ctx.RequestAborted).ConfigureAwait(false);
        await content.Stream.CopyToAsync(ctx.Response.Body, ctx.RequestAborted).ConfigureAwait(false);
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
