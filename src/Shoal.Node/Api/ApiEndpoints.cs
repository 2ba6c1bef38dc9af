using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Prometheus;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// The Kubo-style RPC API (<c>POST /api/v0/...</c>) over a node, plus <c>/metrics</c>. Errors are Kubo's
/// JSON body <c>{"Message","Code","Type"}</c>: 400 for bad arguments, 404 for missing content, 500 otherwise.
/// </summary>
public static class ApiEndpoints
{
    public const string Prefix = "/api/v0";

    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = null };

    public static void Map(WebApplication app, ShoalNode node, Func<Task> requestShutdown)
    {
        app.Use(async (context, next) =>
        {
            // Browsers attach Origin; the API controls the node, so cross-site requests are refused (Kubo does too).
            if (context.Request.Headers.ContainsKey(HeaderNames.Origin) && context.Request.Path.StartsWithSegments(Prefix))
            {
                await WriteErrorAsync(context, 403, "requests from browsers (with an Origin header) are not allowed").ConfigureAwait(false);
                return;
            }
            if (context.Request.Path.StartsWithSegments(Prefix) && !HttpMethods.IsPost(context.Request.Method))
            {
                await WriteErrorAsync(context, 405, $"{context.Request.Method} not allowed; the API takes POST").ConfigureAwait(false);
                return;
            }
            // Our own root span: ASP.NET Core's request activity is not exported, so nothing should hang under it.
            Activity.Current = null;
            using var activity = NodeTracing.Source.StartActivity("api " + context.Request.Path.Value, ActivityKind.Server);
            node.Metrics.ApiRequests.WithLabels(context.Request.Path.Value ?? "").Inc();
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (Exception e) when (!context.Response.HasStarted && ErrorStatus(e) is { } status)
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                await WriteErrorAsync(context, status, e.Message).ConfigureAwait(false);
            }
            catch (Exception e) when (context.Response.HasStarted && ErrorStatus(e) is not null)
            {
                // Mid-stream failure: cut the connection so the client sees an error, not a short body.
                activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                context.Abort();
            }
        });

        if (node.Config.Telemetry.Metrics) app.MapMetrics("/metrics", node.Metrics.Registry);

        Post(app, "/version", ctx => Ok(ctx, new { Version = "0.1.0", Agent = ShoalNode.AgentVersion, Repo = ShoalNode.RepoVersion }));
        Post(app, "/id", async ctx =>
        {
            var arg = ctx.Request.Query["arg"].ToString();
            await Ok(ctx, arg.Length == 0 || arg == node.PeerId ? await node.IdAsync(ctx.RequestAborted) : await node.SwarmIdentifyAsync(arg, ctx.RequestAborted));
        });
        Post(app, "/add", async ctx =>
        {
            var options = ParseAddOptions(ctx.Request.Query);
            var (stream, name) = await OpenFirstFileAsync(ctx.Request);
            await using (stream)
            {
                var result = await node.AddAsync(stream, name, options, null, ctx.RequestAborted);
                await Ok(ctx, new AddEvent(result.Name, result.Hash, result.Size.ToString(CultureInfo.InvariantCulture), null));
            }
        });
        Post(app, "/cat", async ctx =>
        {
            var offset = LongQuery(ctx, "offset") ?? 0;
            var length = LongQuery(ctx, "length");
            await using var content = await node.CatAsync(Arg(ctx), offset, length, ctx.RequestAborted);
            ctx.Response.ContentType = "application/octet-stream";
            if (content.Length is { } total) ctx.Response.Headers["X-Content-Length"] = total.ToString(CultureInfo.InvariantCulture);
            await content.Stream.CopyToAsync(ctx.Response.Body, ctx.RequestAborted);
        });
        Post(app, "/pin/add", async ctx => await Ok(ctx, new { Pins = await node.PinAddAsync(ArgCid(ctx), ctx.RequestAborted) }));
        Post(app, "/pin/rm", async ctx => await Ok(ctx, new { Pins = await node.PinRmAsync(ArgCid(ctx), ctx.RequestAborted) }));
        Post(app, "/pin/ls", async ctx =>
        {
            var pins = await node.PinLsAsync(ctx.RequestAborted);
            await Ok(ctx, new { Keys = pins.ToDictionary(p => p.Cid, p => new { p.Type }) });
        });
        Post(app, "/block/get", async ctx =>
        {
            var data = await node.BlockGetAsync(ArgCid(ctx), ctx.RequestAborted);
            ctx.Response.ContentType = "application/octet-stream";
            await ctx.Response.Body.WriteAsync(data, ctx.RequestAborted);
        });
        Post(app, "/block/stat", async ctx => await Ok(ctx, await node.BlockStatAsync(ArgCid(ctx), ctx.RequestAborted)));
        Post(app, "/block/put", async ctx =>
        {
            var codec = ctx.Request.Query["cid-codec"].ToString() switch
            {
                "" or "raw" => MulticodecCode.Raw,
                "dag-pb" => MulticodecCode.DagPb,
                "dag-cbor" => MulticodecCode.DagCbor,
                var other => throw new ArgumentException($"unsupported cid-codec '{other}' (raw, dag-pb, dag-cbor)"),
            };
            var version = (int)(LongQuery(ctx, "cid-version") ?? 1);
            var (stream, _) = await OpenFirstFileAsync(ctx.Request);
            using var buffer = new MemoryStream();
            await using (stream) await CopyBoundedAsync(stream, buffer, node.Config.Limits.MaxBlockSize, ctx.RequestAborted);
            await Ok(ctx, await node.BlockPutAsync(buffer.ToArray(), codec, version, ctx.RequestAborted));
        });
        Post(app, "/dag/export", async ctx =>
        {
            var cid = ArgCid(ctx);
            ctx.Response.ContentType = "application/vnd.ipld.car";
            await node.DagExportAsync(cid, ctx.Response.Body, ctx.RequestAborted);
        });
        Post(app, "/dag/import", async ctx =>
        {
            var pin = ctx.Request.Query["pin-roots"].ToString() != "false";
            var (stream, _) = await OpenFirstFileAsync(ctx.Request);
            await using (stream) await Ok(ctx, await node.DagImportAsync(stream, pin, ctx.RequestAborted));
        });
        Post(app, "/swarm/connect", async ctx => await Ok(ctx, new { Strings = await node.SwarmConnectAsync(Arg(ctx), ctx.RequestAborted) }));
        Post(app, "/swarm/peers", async ctx => await Ok(ctx, new { Peers = await node.SwarmPeersAsync(ctx.RequestAborted) }));
        Post(app, "/swarm/addrs/listen", async ctx => await Ok(ctx, new { Strings = await node.SwarmAddrsAsync(ctx.RequestAborted) }));
        Post(app, "/ping", async ctx =>
        {
            var count = (int)(LongQuery(ctx, "count") ?? 10);
            await NdJson(ctx, node.PingAsync(Arg(ctx), count, ctx.RequestAborted));
        });
        Post(app, "/routing/findprovs", async ctx =>
        {
            var max = (int)(LongQuery(ctx, "num-providers") ?? 20);
            await NdJson(ctx, node.FindProvidersAsync(ArgCid(ctx), max, ctx.RequestAborted));
        });
        Post(app, "/routing/provide", async ctx =>
        {
            var cid = ArgCid(ctx);
            await node.ProvideAsync(cid, ctx.RequestAborted);
            await Ok(ctx, new { Strings = new[] { cid.ToString() } });
        });
        Post(app, "/stats/bitswap", async ctx => await Ok(ctx, await node.BitswapStatAsync(ctx.RequestAborted)));
        Post(app, "/stats/bw", async ctx =>
        {
            var proto = ctx.Request.Query["proto"].ToString();
            await Ok(ctx, await node.BandwidthStatAsync(proto.Length == 0 ? null : proto, ctx.RequestAborted));
        });
        Post(app, "/repo/gc", async ctx => await Ok(ctx, await node.GcAsync(ctx.RequestAborted)));
        Post(app, "/repo/stat", async ctx => await Ok(ctx, await node.RepoStatAsync(ctx.RequestAborted)));
        Post(app, "/shutdown", async ctx =>
        {
            await Ok(ctx, new { Message = "shutting down" });
            await requestShutdown();
        });
        GatewayEndpoints.Map(app, node);
    }

    private static void Post(WebApplication app, string route, RequestDelegate handler) => app.MapPost(Prefix + route, handler);

    internal static int? ErrorStatus(Exception e) => e switch
    {
        StorageFullException => 507,
        FormatException or ArgumentException or InvalidDataException => 400,
        KeyNotFoundException or BlockNotFoundException => 404,
        TimeoutException => 404,
        NotSupportedException => 501,
        InvalidOperationException => 409,
        OperationCanceledException => null,
        _ => 500,
    };

    public static AddOptions ParseAddOptions(IQueryCollection q)
    {
        var profile = q["profile"].ToString();
        int? chunk = null;
        var chunker = q["chunker"].ToString();
        if (chunker.Length > 0)
        {
            if (!chunker.StartsWith("size-", StringComparison.Ordinal) || !int.TryParse(chunker.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                throw new ArgumentException($"chunker '{chunker}' is not size-N (only fixed-size chunking is supported)");
            chunk = size;
        }
        return new AddOptions(
            Profile: profile.Length == 0 ? AddOptions.DefaultProfile : profile,
            CidVersion: q["cid-version"].ToString() is { Length: > 0 } v ? int.Parse(v, CultureInfo.InvariantCulture) : null,
            RawLeaves: q["raw-leaves"].ToString() is { Length: > 0 } r ? bool.Parse(r) : null,
            ChunkSize: chunk,
            Pin: q["pin"].ToString() != "false");
    }

    private static string Arg(HttpContext ctx)
    {
        var arg = ctx.Request.Query["arg"].ToString();
        if (arg.Length == 0) throw new ArgumentException("argument 'arg' is required");
        return arg;
    }

    public static Cid ParseCidArg(string text)
    {
        var value = text.StartsWith("/ipfs/", StringComparison.Ordinal) ? text["/ipfs/".Length..] : text;
        if (value.Contains('/')) throw new ArgumentException($"'{text}': paths inside a DAG are not supported, give a CID");
        try { return Cid.Parse(value); }
        catch (FormatException e) { throw new FormatException($"invalid CID '{value}': {e.Message}", e); }
    }

    private static Cid ArgCid(HttpContext ctx) => ParseCidArg(Arg(ctx));

    private static long? LongQuery(HttpContext ctx, string name)
    {
        var text = ctx.Request.Query[name].ToString();
        if (text.Length == 0) return null;
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v : throw new ArgumentException($"'{name}' must be a non-negative integer, got '{text}'");
    }

    private static async Task Ok<T>(HttpContext ctx, T value)
    {
        ctx.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(ctx.Response.Body, value, Json, ctx.RequestAborted).ConfigureAwait(false);
        await ctx.Response.Body.WriteAsync("\n"u8.ToArray(), ctx.RequestAborted).ConfigureAwait(false);
    }

    private static async Task NdJson<T>(HttpContext ctx, IAsyncEnumerable<T> items)
    {
        ctx.Response.ContentType = "application/x-ndjson";
        await foreach (var item in items.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(ctx.Response.Body, item, Json, ctx.RequestAborted).ConfigureAwait(false);
            await ctx.Response.Body.WriteAsync("\n"u8.ToArray(), ctx.RequestAborted).ConfigureAwait(false);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        }
    }

    internal static async Task WriteErrorAsync(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(ctx.Response.Body, new ApiError(message), Json).ConfigureAwait(false);
    }

    /// <summary>The first file part of a multipart/form-data body (Kubo's upload shape), or the raw body otherwise.</summary>
    private static async Task<(Stream Stream, string Name)> OpenFirstFileAsync(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return (request.Body, "");
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value
            ?? throw new ArgumentException("multipart body without a boundary");
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
        while (await reader.ReadNextSectionAsync(request.HttpContext.RequestAborted).ConfigureAwait(false) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
            var name = HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            return (section.Body, Uri.UnescapeDataString(name));
        }
        throw new ArgumentException("the multipart body has no file part");
    }

    private static async Task CopyBoundedAsync(Stream source, Stream destination, int max, CancellationToken ct)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > max) throw new ArgumentException($"block exceeds Limits.MaxBlockSize ({max} bytes)");
            await destination.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
        }
    }
}
