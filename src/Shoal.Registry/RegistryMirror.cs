using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Shoal.Registry;

/// <summary>
/// The OCI distribution read API of the mirror: <c>/v2/</c>, manifests by tag or digest, blobs by digest
/// with ranges. Tags are resolved at the upstream (briefly cached); manifests and blobs by digest come
/// from this node, then the swarm, then the upstream, and are verified against their digest before they
/// are kept or a response is completed.
/// </summary>
public sealed class RegistryMirror : IAsyncDisposable
{
    /// <summary>Response copy buffer: Kestrel's own write chunks are of this order.</summary>
    private const int CopyBufferSize = 64 * 1024;

    /// <summary>One more try on a fresh connection after a reset or refused one: enough for a pooled connection the
    /// upstream closed or a listener briefly overwhelmed, without hammering an upstream that is really down.</summary>
    private const int UpstreamTransientRetries = 1;

    private readonly RegistryMirrorOptions _options;
    private readonly IBlobSwarm _swarm;
    private readonly ManifestStore _manifests;
    private readonly TagCache _tags;
    private readonly BlobDownloads _downloads;
    private readonly ILogger _log;

    public RegistryMirror(RegistryMirrorOptions options, IBlobSwarm swarm, ILoggerFactory? loggerFactory = null,
        TimeProvider? time = null, HttpMessageHandler? upstreamTransport = null)
    {
        _options = options;
        _swarm = swarm;
        _log = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Shoal.Registry");
        Metrics = new RegistryMetrics();
        Upstream = new UpstreamClient(options, upstreamTransport, time);
        _manifests = new ManifestStore(Path.Combine(options.DataDirectory, "manifests"));
        _tags = new TagCache(time ?? TimeProvider.System, options.TagTtl);
        _downloads = new BlobDownloads(Path.Combine(options.DataDirectory, "spool"), swarm, Metrics, _log);
        Access = new AccessGate(options, Upstream, time ?? TimeProvider.System);
    }

    public AccessGate Access { get; }

    /// <summary>False (and the response written) when the client may not have this content.</summary>
    private async Task<bool> AdmitAsync(HttpContext context, Uri? upstream, string name, string kind, string reference, CancellationToken ct)
    {
        if (!Access.Guards(upstream)) return true;
        switch (await Access.CheckAsync(context, upstream!, name, kind, reference, ct).ConfigureAwait(false))
        {
            case AccessGate.Decision.Allowed:
                return true;
            case AccessGate.Decision.Denied:
                await AccessGate.DenyAsync(context, ct).ConfigureAwait(false);
                return false;
            default:
                await OciError.WriteAsync(context, kind == "blobs" ? OciErrorCode.BlobUnknown : OciErrorCode.ManifestUnknown,
                    "the upstream cannot confirm this client's access", ct).ConfigureAwait(false);
                return false;
        }
    }

    public RegistryMetrics Metrics { get; }
    public UpstreamClient Upstream { get; }
    public BlobDownloads Downloads => _downloads;

    /// <summary>Entry point for every request under <c>/v2</c>.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var request = context.Request;
        var response = context.Response;
        response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
        var head = HttpMethods.IsHead(request.Method);
        if (!head && !HttpMethods.IsGet(request.Method))
        {
            await OciError.WriteAsync(context, OciErrorCode.Unsupported, "this mirror is read-only", ct).ConfigureAwait(false);
            return;
        }
        var path = request.Path.Value ?? "/";
        if (path is "/v2" or "/v2/")
        {
            response.ContentType = "application/json";
            if (!head) await response.WriteAsync("{}", ct).ConfigureAwait(false);
            return;
        }
        var rest = path.StartsWith("/v2/", StringComparison.Ordinal) ? path[4..] : "";
        var ns = request.Query["ns"].FirstOrDefault();
        if (Split(rest, "/manifests/") is var (mName, mRef))
            await ManifestAsync(context, mName, mRef, ns, head, ct).ConfigureAwait(false);
        else if (Split(rest, "/blobs/") is var (bName, bRef))
            await BlobAsync(context, bName, bRef, ns, head, ct).ConfigureAwait(false);
        else
            await OciError.WriteAsync(context, OciErrorCode.NameUnknown, "unknown endpoint", ct).ConfigureAwait(false);
    }

    private static (string Name, string Reference)? Split(string rest, string marker)
    {
        var at = rest.LastIndexOf(marker, StringComparison.Ordinal);
        if (at <= 0) return null;
        var reference = rest[(at + marker.Length)..];
        if (reference.Length == 0 || reference.Contains('/', StringComparison.Ordinal)) return null;
        return (rest[..at], reference);
    }

    // ---------------------------------------------------------------- manifests

    private async Task ManifestAsync(HttpContext context, string name, string reference, string? ns, bool head, CancellationToken ct)
    {
        if (!OciName.IsValidName(name))
        {
            await OciError.WriteAsync(context, OciErrorCode.NameInvalid, $"invalid repository name '{name}'", ct).ConfigureAwait(false);
            return;
        }
        var upstream = Upstream.Resolve(ns);
        if (!await AdmitAsync(context, upstream, name, "manifests", reference, ct).ConfigureAwait(false)) return;
        StoredManifest? manifest;
        try
        {
            if (OciDigest.LooksLikeDigest(reference))
            {
                if (!OciDigest.TryParse(reference, out var digest))
                {
                    await OciError.WriteAsync(context, OciErrorCode.DigestInvalid, $"invalid digest '{reference}'", ct).ConfigureAwait(false);
                    return;
                }
                manifest = await ManifestByDigestAsync(upstream, name, digest!, ct).ConfigureAwait(false);
            }
            else
            {
                if (!OciName.IsValidTag(reference))
                {
                    await OciError.WriteAsync(context, OciErrorCode.ManifestInvalid, $"invalid tag '{reference}'", ct).ConfigureAwait(false);
                    return;
                }
                manifest = await ManifestByTagAsync(upstream, ns, name, reference, ct).ConfigureAwait(false);
            }
        }
        catch (UpstreamRefusedException e)
        {
            await OciError.WriteAsync(context, e.Status == System.Net.HttpStatusCode.Forbidden ? OciErrorCode.Denied : OciErrorCode.Unauthorized,
                "the upstream registry refused access", ct).ConfigureAwait(false);
            return;
        }
        if (manifest is null)
        {
            await OciError.WriteAsync(context, OciErrorCode.ManifestUnknown, $"manifest {name}:{reference} not found", ct).ConfigureAwait(false);
            return;
        }
        var response = context.Response;
        response.ContentType = manifest.MediaType;
        response.ContentLength = manifest.Content.Length;
        response.Headers["Docker-Content-Digest"] = manifest.Digest.ToString();
        response.Headers.ETag = "\"" + manifest.Digest + "\"";
        if (!head) await response.Body.WriteAsync(manifest.Content, ct).ConfigureAwait(false);
    }

    private async Task<StoredManifest?> ManifestByDigestAsync(Uri? upstream, string name, OciDigest digest, CancellationToken ct)
    {
        var manifest = await _manifests.GetAsync(digest, ct).ConfigureAwait(false);
        if (manifest is not null) { Metrics.ManifestFromLocal(); return manifest; }
        if (upstream is not null)
        {
            try
            {
                var fetched = await Upstream.GetManifestAsync(upstream, name, digest.ToString(), headOnly: false, ct).ConfigureAwait(false);
                if (fetched is not null) return await KeepAsync(fetched, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is UpstreamUnavailableException or InvalidDataException)
            {
                RegistryLog.UpstreamUnavailable(_log, name, digest.ToString(), e.Message);
            }
        }
        return await ManifestFromSwarmAsync(digest, ct).ConfigureAwait(false);
    }

    private async Task<StoredManifest?> ManifestByTagAsync(Uri? upstream, string? ns, string name, string tag, CancellationToken ct)
    {
        var registry = upstream?.Authority ?? ns ?? "";
        var cached = _tags.TryGet(registry, name, tag, out var entry, out var fresh);
        if (cached && fresh && await _manifests.GetAsync(entry.Digest, ct).ConfigureAwait(false) is { } hit)
        {
            Metrics.ManifestFromLocal();
            return hit;
        }
        if (upstream is not null)
        {
            try
            {
                // HEAD first: when the tag still points where it did, the body is already here.
                var headed = await Upstream.GetManifestAsync(upstream, name, tag, headOnly: true, ct).ConfigureAwait(false);
                if (headed is not null && await _manifests.GetAsync(headed.Digest, ct).ConfigureAwait(false) is { } known)
                {
                    _tags.Set(registry, name, tag, known.Digest, known.MediaType);
                    Metrics.ManifestFromLocal();
                    return known;
                }
                var fetched = await Upstream.GetManifestAsync(upstream, name, headed?.Digest.ToString() ?? tag, headOnly: false, ct).ConfigureAwait(false);
                if (fetched is null)
                {
                    _tags.Remove(registry, name, tag);
                    return null;
                }
                var kept = await KeepAsync(fetched, ct).ConfigureAwait(false);
                _tags.Set(registry, name, tag, kept.Digest, kept.MediaType);
                return kept;
            }
            catch (Exception e) when (e is UpstreamUnavailableException or InvalidDataException)
            {
                RegistryLog.UpstreamUnavailable(_log, name, tag, e.Message);
            }
        }
        // The upstream cannot say where the tag points now; what it said last is the best answer we have.
        return cached ? await _manifests.GetAsync(entry.Digest, ct).ConfigureAwait(false) : null;
    }

    private async Task<StoredManifest> KeepAsync(UpstreamManifest fetched, CancellationToken ct)
    {
        var manifest = new StoredManifest(fetched.Digest, fetched.MediaType, fetched.Content!);
        await _manifests.PutAsync(manifest, ct).ConfigureAwait(false);
        Metrics.ManifestFromUpstream();
        // Manifests travel through the swarm too, so peers can pull by digest while the upstream is away.
        using var content = new MemoryStream(manifest.Content, writable: false);
        await _swarm.StoreAsync(manifest.Digest, content, manifest.Content.Length, ct).ConfigureAwait(false);
        return manifest;
    }

    private async Task<StoredManifest?> ManifestFromSwarmAsync(OciDigest digest, CancellationToken ct)
    {
        var source = await _swarm.LocateAsync(digest, ct).ConfigureAwait(false);
        if (source is null || source.Length > UpstreamClient.MaxManifestBytes) return null;
        byte[] content;
        try
        {
            await using var stream = await _swarm.OpenReadAsync(source, 0, ct).ConfigureAwait(false);
            content = new byte[source.Length];
            await stream.ReadExactlyAsync(content, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException)
        {
            return null;
        }
        if (!digest.Verifies(content))
        {
            RegistryLog.ManifestMismatch(_log, digest.ToString());
            Metrics.DigestMismatch();
            await _swarm.RejectAsync(source, ct).ConfigureAwait(false);
            return null;
        }
        var manifest = new StoredManifest(digest, OciMediaTypes.Sniff(content), content);
        await _manifests.PutAsync(manifest, ct).ConfigureAwait(false);
        if (source.IsLocal) Metrics.ManifestFromLocal(); else Metrics.ManifestFromPeers();
        return manifest;
    }

    // ---------------------------------------------------------------- blobs

    private async Task BlobAsync(HttpContext context, string name, string reference, string? ns, bool head, CancellationToken ct)
    {
        if (!OciName.IsValidName(name))
        {
            await OciError.WriteAsync(context, OciErrorCode.NameInvalid, $"invalid repository name '{name}'", ct).ConfigureAwait(false);
            return;
        }
        if (!OciDigest.TryParse(reference, out var digest))
        {
            await OciError.WriteAsync(context, OciErrorCode.DigestInvalid, $"invalid digest '{reference}'", ct).ConfigureAwait(false);
            return;
        }
        if (!await AdmitAsync(context, Upstream.Resolve(ns), name, "blobs", digest!.ToString(), ct).ConfigureAwait(false)) return;
        var source = await _swarm.LocateAsync(digest!, ct).ConfigureAwait(false);
        if (source is { IsLocal: true })
        {
            Metrics.ServedFromLocal();
            await ServeAsync(context, digest!, source.Length, head, (offset, c) => _swarm.OpenReadAsync(source, offset, c).AsTask(), ct).ConfigureAwait(false);
            return;
        }
        var upstream = Upstream.Resolve(ns);
        if (source is null && upstream is null)
        {
            await OciError.WriteAsync(context, OciErrorCode.BlobUnknown, $"blob {digest} not found", ct).ConfigureAwait(false);
            return;
        }
        if (head)
        {
            await HeadRemoteBlobAsync(context, name, digest!, source, upstream, ct).ConfigureAwait(false);
            return;
        }
        using var lease = _downloads.Join(digest!, () => Origins(name, digest!, source, upstream));
        long length;
        try
        {
            length = await lease.Download.Length.WaitAsync(ct).ConfigureAwait(false);
            if (length < 0 || RangeRequested(context)) length = await WaitVerifiedAsync(lease, ct).ConfigureAwait(false);
        }
        catch (UpstreamRefusedException)
        {
            await OciError.WriteAsync(context, OciErrorCode.Unauthorized, "the upstream registry refused access", ct).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is BlobNotFoundException or DigestMismatchException)
        {
            await OciError.WriteAsync(context, OciErrorCode.BlobUnknown, $"blob {digest} not available: {e.Message}", ct).ConfigureAwait(false);
            return;
        }
        await ServeAsync(context, digest!, length, head: false, (offset, _) => Task.FromResult(lease.OpenReader(offset)), ct).ConfigureAwait(false);
    }

    private static async Task<long> WaitVerifiedAsync(BlobDownloadLease lease, CancellationToken ct)
    {
        await lease.Download.Verified.WaitAsync(ct).ConfigureAwait(false);
        return await lease.Download.Length.ConfigureAwait(false);
    }

    private static bool RangeRequested(HttpContext context) => context.Request.Headers.Range.Count > 0;

    private IReadOnlyList<BlobOrigin> Origins(string name, OciDigest digest, BlobSource? source, Uri? upstream)
    {
        var origins = new List<BlobOrigin>(2);
        if (source is not null)
            origins.Add(new BlobOrigin(BlobOrigin.Peers, async (offset, ct) =>
                (await _swarm.OpenReadAsync(source, offset, ct).ConfigureAwait(false), source.Length), source));
        if (source is null && upstream is not null)
        {
            // Nobody holds it: if a peer is already fetching it from the upstream, read that download as it grows.
            BlobSource? awaited = null;
            origins.Add(new BlobOrigin(BlobOrigin.Peers, async (offset, ct) =>
            {
                if (await _swarm.OpenPeerFetchAsync(digest, offset, ct).ConfigureAwait(false) is not { } opened) return null;
                awaited = opened.Source;
                return (opened.Content, opened.Length);
            }, OpenedSource: () => awaited));
        }
        if (upstream is not null)
            origins.Add(new BlobOrigin(BlobOrigin.Upstream, async (offset, ct) =>
            {
                var response = await Upstream.OpenBlobAsync(upstream, name, digest, offset, ct).ConfigureAwait(false);
                if (response is null) return null;
                var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                var stream = new Core.OwningStream(body, response);
                long total;
                if (response.StatusCode == System.Net.HttpStatusCode.PartialContent)
                    total = response.Content.Headers.ContentRange?.Length ?? -1;
                else
                {
                    total = response.Content.Headers.ContentLength ?? -1;
                    if (offset > 0) await SkipAsync(stream, offset, ct).ConfigureAwait(false); // the upstream ignored our Range
                }
                return (stream, total);
            }, TransientRetries: UpstreamTransientRetries));
        return origins;
    }

    private async Task HeadRemoteBlobAsync(HttpContext context, string name, OciDigest digest, BlobSource? source, Uri? upstream, CancellationToken ct)
    {
        long? length = source?.Length;
        if (length is null && upstream is not null)
        {
            try { length = await Upstream.HeadBlobAsync(upstream, name, digest, ct).ConfigureAwait(false); }
            catch (UpstreamRefusedException)
            {
                await OciError.WriteAsync(context, OciErrorCode.Unauthorized, "the upstream registry refused access", ct).ConfigureAwait(false);
                return;
            }
            catch (UpstreamUnavailableException e) { RegistryLog.UpstreamUnavailable(_log, name, digest.ToString(), e.Message); }
        }
        if (length is null or < 0)
        {
            await OciError.WriteAsync(context, OciErrorCode.BlobUnknown, $"blob {digest} not found", ct).ConfigureAwait(false);
            return;
        }
        await ServeAsync(context, digest, length.Value, head: true, (_, _) => throw new InvalidOperationException("HEAD has no body"), ct).ConfigureAwait(false);
    }

    /// <summary>Writes headers and the requested range of a blob of known length, aborting the connection
    /// if the bytes stop short (a failed verification), so no client takes a truncated blob as whole.</summary>
    private async Task ServeAsync(HttpContext context, OciDigest digest, long length, bool head,
        Func<long, CancellationToken, Task<Stream>> open, CancellationToken ct)
    {
        var response = context.Response;
        response.Headers["Docker-Content-Digest"] = digest.ToString();
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = "\"" + digest + "\"";
        response.ContentType = OciMediaTypes.OctetStream;
        long start = 0, count = length;
        switch (ByteRange.Parse(context.Request.Headers.Range.ToString(), length))
        {
            case { Satisfiable: false }:
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = $"bytes */{length}";
                return;
            case { } range:
                start = range.Start;
                count = range.Length;
                response.StatusCode = StatusCodes.Status206PartialContent;
                response.Headers.ContentRange = $"bytes {start}-{start + count - 1}/{length}";
                break;
        }
        response.ContentLength = count;
        if (head) return;
        long sent = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            await using var stream = await open(start, ct).ConfigureAwait(false);
            while (sent < count)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count - sent)), ct).ConfigureAwait(false);
                if (n == 0) throw new IOException($"blob {digest} ended at byte {start + sent} of {length}");
                await response.Body.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                sent += n;
            }
            Metrics.Served(sent);
        }
        catch (Exception e) when (e is IOException or InvalidDataException && !ct.IsCancellationRequested)
        {
            RegistryLog.ResponseAborted(_log, context.Request.Path.Value ?? "", sent, e.Message);
            if (!response.HasStarted)
            {
                response.Headers.Remove("Content-Range");
                response.ContentLength = null;
                response.StatusCode = StatusCodes.Status200OK;
                await OciError.WriteAsync(context, OciErrorCode.BlobUnknown, $"blob {digest} could not be served: {e.Message}", ct).ConfigureAwait(false);
            }
            else
            {
                context.Abort();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task SkipAsync(Stream stream, long count, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            while (count > 0)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), ct).ConfigureAwait(false);
                if (n == 0) throw new EndOfStreamException("upstream body ended before the resume offset");
                count -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _downloads.DisposeAsync().ConfigureAwait(false);
        Upstream.Dispose();
        Metrics.Dispose();
    }
}
