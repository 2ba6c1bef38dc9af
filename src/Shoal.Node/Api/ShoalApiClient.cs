using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// A client of a running daemon's HTTP API (the CLI's online mode; the Lab's local driver can use it too).
/// Errors the daemon reports become <see cref="ShoalApiException"/> with the daemon's message.
/// </summary>
public sealed class ShoalApiClient : INodeApi
{
    private readonly HttpClient _http;

    /// <param name="baseUrl">e.g. http://127.0.0.1:5001</param>
    public ShoalApiClient(string baseUrl, TimeSpan? timeout = null)
    {
        _http = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + ApiEndpoints.Prefix + "/"), Timeout = timeout ?? Timeout.InfiniteTimeSpan };
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public bool IsOnline => true;

    /// <summary>Turns host:port, a /ip4/../tcp/.. multiaddr, or a URL into the API's base URL.</summary>
    public static string ToBaseUrl(string address)
    {
        address = address.Trim();
        if (address.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || address.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return address.TrimEnd('/');
        return ListenEndpoint.Parse(address).ToHttpUrl();
    }

    /// <summary>
    /// The daemon serving <paramref name="repo"/>, from its <c>api</c> file, or null when no daemon runs there
    /// (no api file, or a stale one left by a crash: the repo lock is free). A daemon that holds the lock is
    /// used even if it is slow to answer, so a busy machine never silently turns a command offline.
    /// </summary>
    public static async Task<ShoalApiClient?> TryConnectAsync(ShoalRepo repo, CancellationToken ct)
    {
        string text;
        try { text = (await File.ReadAllTextAsync(repo.ApiFilePath, ct).ConfigureAwait(false)).Trim(); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
        if (!ListenEndpoint.TryParse(text, out var endpoint, out _)) return null;
        if (!IsRepoLocked(repo)) return null;
        return new ShoalApiClient(endpoint!.ToHttpUrl());
    }

    /// <summary>True while a daemon holds the repository's lock file.</summary>
    public static bool IsRepoLocked(ShoalRepo repo)
    {
        try
        {
            using var probe = new FileStream(Path.Combine(repo.Path, ShoalDaemon.LockFileName), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException) { return false; }
        catch (IOException) { return true; }
    }

    /// <summary>True when the daemon answers /version within a short probe time.</summary>
    public async Task<bool> IsAliveAsync(CancellationToken ct)
    {
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(ct);
        probe.CancelAfter(ProbeTimeout);
        try
        {
            using var response = await _http.PostAsync("version", null, probe.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>A daemon on loopback answers /version in milliseconds; 10 s tolerates a machine under heavy load.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    public Task<IdResult> IdAsync(CancellationToken ct = default) => PostJsonAsync<IdResult>("id", ct);

    public async Task<AddResult> AddAsync(Stream content, string name, AddOptions options, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        var query = new List<string> { $"profile={Uri.EscapeDataString(options.Profile)}", $"pin={(options.Pin ? "true" : "false")}" };
        if (options.CidVersion is { } v) query.Add($"cid-version={v}");
        if (options.RawLeaves is { } r) query.Add($"raw-leaves={(r ? "true" : "false")}");
        if (options.ChunkSize is { } c) query.Add($"chunker=size-{c}");
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(progress is null ? content : new ProgressStream(content, progress));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", Uri.EscapeDataString(name.Length == 0 ? "file" : name));
        using var response = await _http.PostAsync("add?" + string.Join('&', query), form, ct).ConfigureAwait(false);
        var e = await ReadJsonAsync<AddEvent>(response, ct).ConfigureAwait(false);
        return new AddResult(e.Name, e.Hash ?? "", long.Parse(e.Size ?? "0", CultureInfo.InvariantCulture), 0);
    }

    public Task<ContentStream> CatAsync(Cid cid, long offset = 0, long? length = null, CancellationToken ct = default) =>
        CatAsync(cid.ToString(), offset, length, ct);

    public async Task<ContentStream> CatAsync(string contentPath, long offset = 0, long? length = null, CancellationToken ct = default)
    {
        var url = $"cat?arg={Uri.EscapeDataString(contentPath)}&offset={offset}" + (length is { } l ? $"&length={l}" : "");
        var response = await SendStreamingAsync(url, ct).ConfigureAwait(false);
        long? total = response.Headers.TryGetValues("X-Content-Length", out var values) && long.TryParse(values.First(), CultureInfo.InvariantCulture, out var t) ? t : null;
        var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        return new ContentStream(new OwningStream(stream, response), total);
    }

    public async Task<IReadOnlyList<string>> PinAddAsync(Cid cid, CancellationToken ct = default) =>
        (await PostJsonAsync<PinsResponse>($"pin/add?arg={cid}", ct).ConfigureAwait(false)).Pins;

    public async Task<IReadOnlyList<string>> PinRmAsync(Cid cid, CancellationToken ct = default) =>
        (await PostJsonAsync<PinsResponse>($"pin/rm?arg={cid}", ct).ConfigureAwait(false)).Pins;

    public async Task<IReadOnlyList<PinEntry>> PinLsAsync(CancellationToken ct = default)
    {
        var r = await PostJsonAsync<PinLsResponse>("pin/ls", ct).ConfigureAwait(false);
        return [.. r.Keys.Select(kv => new PinEntry(kv.Key, kv.Value.Type))];
    }

    public async Task<byte[]> BlockGetAsync(Cid cid, CancellationToken ct = default)
    {
        using var response = await SendStreamingAsync($"block/get?arg={cid}", ct).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
    }

    public async Task<BlockStatResult> BlockPutAsync(byte[] data, ulong codec, int cidVersion, CancellationToken ct = default)
    {
        var codecName = codec switch { MulticodecCode.Raw => "raw", MulticodecCode.DagPb => "dag-pb", MulticodecCode.DagCbor => "dag-cbor", _ => throw new ArgumentException($"unsupported codec 0x{codec:x}") };
        using var form = new MultipartFormDataContent { { new ByteArrayContent(data), "file", "block" } };
        using var response = await _http.PostAsync($"block/put?cid-codec={codecName}&cid-version={cidVersion}", form, ct).ConfigureAwait(false);
        return await ReadJsonAsync<BlockStatResult>(response, ct).ConfigureAwait(false);
    }

    public Task<BlockStatResult> BlockStatAsync(Cid cid, CancellationToken ct = default) => PostJsonAsync<BlockStatResult>($"block/stat?arg={cid}", ct);

    public async Task DagExportAsync(Cid cid, Stream output, CancellationToken ct = default)
    {
        using var response = await SendStreamingAsync($"dag/export?arg={cid}", ct).ConfigureAwait(false);
        await response.Content.CopyToAsync(output, ct).ConfigureAwait(false);
    }

    public async Task<DagImportResult> DagImportAsync(Stream car, bool pinRoots, CancellationToken ct = default)
    {
        using var form = new MultipartFormDataContent { { new StreamContent(car), "file", "import.car" } };
        using var response = await _http.PostAsync($"dag/import?pin-roots={(pinRoots ? "true" : "false")}", form, ct).ConfigureAwait(false);
        return await ReadJsonAsync<DagImportResult>(response, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> SwarmConnectAsync(string multiaddr, CancellationToken ct = default) =>
        (await PostJsonAsync<StringsResponse>($"swarm/connect?arg={Uri.EscapeDataString(multiaddr)}", ct).ConfigureAwait(false)).Strings;

    public async Task<IReadOnlyList<SwarmPeer>> SwarmPeersAsync(CancellationToken ct = default) =>
        (await PostJsonAsync<PeersResponse>("swarm/peers", ct).ConfigureAwait(false)).Peers;

    public async Task<IReadOnlyList<string>> SwarmAddrsAsync(CancellationToken ct = default) =>
        (await PostJsonAsync<StringsResponse>("swarm/addrs/listen", ct).ConfigureAwait(false)).Strings;

    public Task<IdResult> SwarmIdentifyAsync(string peerId, CancellationToken ct = default) =>
        PostJsonAsync<IdResult>($"id?arg={Uri.EscapeDataString(peerId)}", ct);

    public IAsyncEnumerable<PingResult> PingAsync(string multiaddr, int count, CancellationToken ct = default) =>
        NdJsonAsync<PingResult>($"ping?arg={Uri.EscapeDataString(multiaddr)}&count={count}", ct);

    public IAsyncEnumerable<ProviderResult> FindProvidersAsync(Cid cid, int maxProviders, CancellationToken ct = default) =>
        NdJsonAsync<ProviderResult>($"routing/findprovs?arg={cid}&num-providers={maxProviders}", ct);

    public async Task ProvideAsync(Cid cid, CancellationToken ct = default) =>
        await PostJsonAsync<StringsResponse>($"routing/provide?arg={cid}", ct).ConfigureAwait(false);

    public Task<BitswapStatResult> BitswapStatAsync(CancellationToken ct = default) => PostJsonAsync<BitswapStatResult>("stats/bitswap", ct);
    public Task<BandwidthStatResult> BandwidthStatAsync(CancellationToken ct = default) => BandwidthStatAsync(null, ct);
    public Task<BandwidthStatResult> BandwidthStatAsync(string? protocol, CancellationToken ct = default) =>
        PostJsonAsync<BandwidthStatResult>(protocol is null ? "stats/bw" : $"stats/bw?proto={Uri.EscapeDataString(protocol)}", ct);
    public Task<GcResult> GcAsync(CancellationToken ct = default) => PostJsonAsync<GcResult>("repo/gc", ct);
    public Task<RepoStatResult> RepoStatAsync(CancellationToken ct = default) => PostJsonAsync<RepoStatResult>("repo/stat", ct);

    /// <summary>Asks the daemon to stop (Kubo's `shutdown`).</summary>
    public async Task ShutdownAsync(CancellationToken ct = default)
    {
        using var response = await _http.PostAsync("shutdown", null, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<T> PostJsonAsync<T>(string url, CancellationToken ct)
    {
        using var response = await _http.PostAsync(url, null, ct).ConfigureAwait(false);
        return await ReadJsonAsync<T>(response, ct).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendStreamingAsync(string url, CancellationToken ct)
    {
        var response = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Post, url), HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        try
        {
            await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async IAsyncEnumerable<T> NdJsonAsync<T>(string url, [EnumeratorCancellation] CancellationToken ct)
    {
        using var response = await SendStreamingAsync(url, ct).ConfigureAwait(false);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0) continue;
            yield return JsonSerializer.Deserialize<T>(line, ApiEndpoints.Json) ?? throw new InvalidDataException("empty JSON line from the daemon");
        }
    }

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return JsonSerializer.Deserialize<T>(text, ApiEndpoints.Json) ?? throw new InvalidDataException("empty JSON from the daemon");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        string message;
        try { message = JsonSerializer.Deserialize<ApiError>(body, ApiEndpoints.Json)?.Message ?? body; }
        catch (JsonException) { message = body.Length > 0 ? body : response.ReasonPhrase ?? "error"; }
        throw new ShoalApiException(message, (int)response.StatusCode);
    }

    private sealed record PinsResponse(IReadOnlyList<string> Pins);
    private sealed record PinTypeResponse(string Type);
    private sealed record PinLsResponse(Dictionary<string, PinTypeResponse> Keys);
    private sealed record StringsResponse(IReadOnlyList<string> Strings);
    private sealed record PeersResponse(IReadOnlyList<SwarmPeer> Peers);
}
