using System.Text.Json.Serialization;

namespace Shoal.Node;

// The JSON shapes of the HTTP API and of `--json` output. Names follow Kubo's RPC API so Kubo scripts work.

/// <summary>`shoal id`: Kubo's IdOutput.</summary>
public sealed record IdResult(
    [property: JsonPropertyName("ID")] string Id,
    string PublicKey,
    IReadOnlyList<string> Addresses,
    string AgentVersion,
    IReadOnlyList<string> Protocols)
{
    /// <summary>Shoal extension: HTTP endpoints of this node (API, gateway, registry mirror when on).</summary>
    public IReadOnlyDictionary<string, string>? Endpoints { get; init; }
}

/// <summary>One line of `add` output (Kubo's AddEvent): progress lines carry Bytes, the final line Hash and Size.</summary>
public sealed record AddEvent(string Name, string? Hash, string? Size, long? Bytes);

/// <summary>How to chunk and encode an added file.</summary>
public sealed record AddOptions(string Profile = AddOptions.DefaultProfile, int? CidVersion = null, bool? RawLeaves = null, int? ChunkSize = null, bool Pin = true)
{
    /// <summary>kubo: the same CIDs `ipfs add` gives by default, which is what users compare against.</summary>
    public const string DefaultProfile = "kubo";
}

public sealed record AddResult(string Name, string Hash, long Size, long BlockCount);

public sealed record BlockStatResult(string Key, int Size);

public sealed record PinEntry(string Cid, string Type);

public sealed record GcResult(IReadOnlyList<string> Removed, long BytesFreed);

public sealed record RepoStatResult(long RepoSize, long StorageMax, long NumObjects, string RepoPath, string Version);

public sealed record DagImportResult(IReadOnlyList<string> Roots, long BlockCount);

public sealed record SwarmPeer(string Addr, string Peer);

public sealed record PingResult(bool Success, double TimeMilliseconds, string Text);

public sealed record ProviderResult(string Id, IReadOnlyList<string> Addrs);

/// <summary>`stats bitswap`: Kubo's BitswapStat shape.</summary>
public sealed record BitswapStatResult(
    long BlocksReceived, long DataReceived, long DupBlksReceived, long DupDataReceived,
    long BlocksSent, long DataSent, long MessagesReceived,
    IReadOnlyList<CidLink> Wantlist, IReadOnlyList<string> Peers)
{
    public int ProvideBufLen { get; init; }
    /// <summary>Shoal extensions: CIDs wanted right now, fetches in progress, peers speaking Bitswap.</summary>
    public int WantlistSize { get; init; }
    public long Sessions { get; init; }
    public int BitswapPeers { get; init; }
}

/// <summary>A CID as IPLD JSON writes a link (<c>{"/": "bafy..."}</c>), as in Kubo's wantlist output.</summary>
public sealed record CidLink([property: JsonPropertyName("/")] string Cid);

/// <summary>`stats bw`: Kubo's BandwidthStats shape (libp2p stream bytes, all protocols or one).</summary>
public sealed record BandwidthStatResult(long TotalIn, long TotalOut, double RateIn, double RateOut)
{
    /// <summary>Shoal extension: the totals split by protocol id.</summary>
    public IReadOnlyList<ProtocolBandwidth>? Protocols { get; init; }
}

public sealed record ProtocolBandwidth(string Protocol, long TotalIn, long TotalOut);

/// <summary>A content stream with its length when known (for progress bars and Content-Length).</summary>
public sealed record ContentStream(Stream Stream, long? Length) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}

/// <summary>Kubo's error body: {"Message": "...", "Code": 0, "Type": "error"}.</summary>
public sealed record ApiError(string Message, int Code = 0, string Type = "error");

/// <summary>What a running daemon writes to daemon.json in its repo and prints as its ready line (--json).</summary>
public sealed record DaemonInfo(
    [property: JsonPropertyName("ID")] string Id,
    IReadOnlyList<string> Addresses,
    string Api,
    string? Gateway,
    string? Registry,
    int Pid);
