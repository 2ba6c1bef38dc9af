using System.Diagnostics;
using Shoal.Core;

namespace Shoal.Registry;

/// <summary>
/// Blobs as UnixFS DAGs in a Core block store, found through <see cref="IBlobRouting"/> and fetched through
/// <see cref="IBlockFetcher"/>: an imported blob is chunked (1 MiB raw leaves, so many peers can each serve
/// parts of one layer), indexed digest → root, and announced; a remote blob is read in order with a window of
/// blocks in flight across all its providers. The registry verifies the whole blob's digest; a blob whose
/// bytes do not match is rejected here (mapping dropped, its DAG deleted, its providers reported).
/// </summary>
public sealed class DagBlobSwarm : IBlobSwarm
{
    /// <summary>Helia's profile (CIDv1, 1 MiB raw leaves, 1024 links): big enough that Bitswap round trips
    /// don't dominate, small enough that a 30 MiB layer is 30 parts to spread over peers; and identical on
    /// every Shoal node, so honest peers agree on a blob's root.</summary>
    public static readonly UnixFsImportOptions ImportOptions = UnixFsImportOptions.Helia;

    /// <summary>Blocks in flight per reader: 8 × 1 MiB keeps several peers busy while bounding memory.</summary>
    public const int ReadAheadBlocks = 8;

    /// <summary>Blocks in flight per reader of a remote blob: 16 × 1 MiB gives each of several providers a couple
    /// of wants at once (a peer with one want in flight idles a round trip per block) while bounding memory.</summary>
    public const int RemoteReadAheadBlocks = 16;

    /// <summary>Enough providers to spread a blob over; more only adds routing work.</summary>
    public const int MaxProvidersPerBlob = 16;

    /// <summary>How long to look for providers before falling back to the upstream: a pull must not wait long
    /// on a swarm that does not have the blob (Spegel answers its 404 just as fast).</summary>
    public static readonly TimeSpan DefaultProviderSearchTimeout = TimeSpan.FromSeconds(2);

    private readonly IBlockStore _store;
    private readonly IBlobRouting _routing;
    private readonly IBlockFetcher _fetcher;
    private readonly BlobIndex _index;
    private readonly TimeSpan _searchTimeout;
    private readonly HashSet<(OciDigest, Cid)> _rejected = [];
    private readonly Dictionary<OciDigest, Fetch> _fetching = [];

    /// <summary>Remote blobs read whole through a DAG (from byte 0 to the end): their DAG need not be imported again.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<OciDigest, Cid> _wholeReads = new();

    /// <summary>How long a node waits for a peer that fetches a blob from the upstream before fetching it itself:
    /// long enough for a large layer over a slow upstream link, bounded so a stuck peer costs one timeout only.</summary>
    public static readonly TimeSpan PeerFetchWaitTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How often a node asks again while a peer with a higher id is still deciding: a round trip or two,
    /// so the decision costs little next to a layer download.</summary>
    public static readonly TimeSpan DecisionPollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest a node waits for higher-id deciders before going to the upstream itself.</summary>
    public static readonly TimeSpan DecisionTimeout = TimeSpan.FromSeconds(3);

    /// <summary>A download under way on this node, as peers asking about it see it.</summary>
    private sealed class Fetch
    {
        public BlobFetchState State = BlobFetchState.Locating;
        public readonly TaskCompletionSource<bool> Held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Downloads;
    }

    public DagBlobSwarm(IBlockStore store, IBlobRouting routing, IBlockFetcher fetcher, string indexDirectory, TimeSpan? providerSearchTimeout = null)
    {
        _store = store;
        _routing = routing;
        _fetcher = fetcher;
        _index = new BlobIndex(indexDirectory);
        _searchTimeout = providerSearchTimeout ?? DefaultProviderSearchTimeout;
    }

    public IBlockStore Store => _store;
    public BlobIndex Index => _index;

    /// <summary>The root and length of a blob this node holds: what the node answers a peer that found it as a provider.</summary>
    public bool TryGetLocal(OciDigest digest, out Cid root, out long length) => _index.TryGet(digest, out root, out length);

    public async ValueTask<BlobSource?> LocateAsync(OciDigest digest, CancellationToken ct)
    {
        if (_index.TryGet(digest, out var root, out var length))
        {
            if (await _store.HasAsync(root, ct).ConfigureAwait(false))
                return new BlobSource(digest, length, true, root.ToString(), []);
            _index.Remove(digest); // blocks were collected; the index entry is stale
        }
        var claims = new Dictionary<(Cid Root, long Length), List<string>>();
        using var search = CancellationTokenSource.CreateLinkedTokenSource(ct);
        search.CancelAfter(_searchTimeout);
        var found = 0;
        try
        {
            await foreach (var provider in _routing.FindProvidersAsync(digest, search.Token).ConfigureAwait(false))
            {
                if (IsRejected(digest, provider.Root) || provider.Length < 0) continue;
                var key = (provider.Root, provider.Length);
                if (!claims.TryGetValue(key, out var peers)) claims[key] = peers = [];
                if (!peers.Contains(provider.Peer)) peers.Add(provider.Peer);
                if (++found >= MaxProvidersPerBlob) break;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { } // search time is up: use what we have
        if (claims.Count == 0) return null;
        // Honest nodes import with the same options, so they agree on the root; the largest group is the best bet.
        var best = claims.MaxBy(c => c.Value.Count);
        return new BlobSource(digest, best.Key.Length, false, best.Key.Root.ToString(), best.Value);
    }

    private bool IsRejected(OciDigest digest, Cid root)
    {
        lock (_rejected) return _rejected.Contains((digest, root));
    }

    public async ValueTask<Stream> OpenReadAsync(BlobSource source, long offset, CancellationToken ct)
    {
        var root = Cid.Parse(source.Root ?? throw new ArgumentException("source without a root CID", nameof(source)));
        if (source.IsLocal) return new UnixFsDagStream(root, offset, ReadAheadBlocks, GetLocalAsync);
        // One session for the whole blob, seeded with every provider: the read-ahead window's wants are spread
        // over all of them, so several peers serve parts of one layer at once.
        var session = await _fetcher.StartSessionAsync(source.Providers, ct).ConfigureAwait(false);
        async ValueTask<Block> Get(Cid cid, CancellationToken c) =>
            await _store.GetAsync(cid, c).ConfigureAwait(false) ?? await session.GetBlockAsync(cid, c).ConfigureAwait(false);
        return new SessionStream(new UnixFsDagStream(root, offset, RemoteReadAheadBlocks, Get), session,
            offset == 0 ? read => { if (read == source.Length) _wholeReads[source.Digest] = root; } : null);
    }

    private async ValueTask<Block> GetLocalAsync(Cid cid, CancellationToken ct) =>
        await _store.GetAsync(cid, ct).ConfigureAwait(false) ?? throw new IOException($"block {cid} is missing from the local store");

    public async ValueTask StoreAsync(OciDigest digest, Stream content, long length, CancellationToken ct)
    {
        if (_index.TryGet(digest, out var known, out _) && await _store.HasAsync(known, ct).ConfigureAwait(false))
        {
            await _routing.AnnounceAsync(digest, known, length, ct).ConfigureAwait(false);
            return;
        }
        Cid root;
        if (_wholeReads.TryRemove(digest, out var fetched) && !IsRejected(digest, fetched) && await HasWholeDagAsync(fetched, ct).ConfigureAwait(false))
        {
            // Every byte of the verified blob was read through this DAG, and its blocks are here (Bitswap stored them
            // as they came, each checked against its CID): keep it as it is instead of chunking and hashing it again.
            root = fetched;
        }
        else
        {
            var imported = await UnixFsImporter.ImportAsync(content, _store, ImportOptions, null, ct).ConfigureAwait(false);
            if (imported.FileSize != length) throw new InvalidDataException($"blob {digest}: imported {imported.FileSize} bytes, expected {length}");
            root = imported.Root;
        }
        await _index.SetAsync(digest, root, length, ct).ConfigureAwait(false);
        lock (_fetching)
            if (_fetching.TryGetValue(digest, out var f)) f.Held.TrySetResult(true); // peers waiting for it may ask now
        await _routing.AnnounceAsync(digest, root, length, ct).ConfigureAwait(false);
    }

    /// <summary>True when every block of the file DAG under <paramref name="root"/> is in the store.</summary>
    private async Task<bool> HasWholeDagAsync(Cid root, CancellationToken ct)
    {
        var pending = new Stack<Cid>();
        pending.Push(root);
        while (pending.TryPop(out var cid))
        {
            if (cid.Codec != MulticodecCode.DagPb)
            {
                if (!await _store.HasAsync(cid, ct).ConfigureAwait(false)) return false;
                continue;
            }
            var block = await _store.GetAsync(cid, ct).ConfigureAwait(false);
            if (block is null) return false;
            try { foreach (var link in DagPb.Decode(block.Data.Span).Links) pending.Push(link.Hash); }
            catch (FormatException) { return false; }
        }
        return true;
    }

    // ---------------------------------------------------------------- one upstream copy per swarm

    /// <summary>What this node tells a peer asking about a blob it does not hold yet.</summary>
    public BlobFetchState FetchStateOf(OciDigest digest)
    {
        lock (_fetching) return _fetching.TryGetValue(digest, out var f) ? f.State : BlobFetchState.None;
    }

    /// <summary>Waits (at most <paramref name="max"/>) until a blob this node is fetching is stored; true when this
    /// node holds it at the end.</summary>
    public async Task<bool> WhenHeldAsync(OciDigest digest, TimeSpan max, CancellationToken ct)
    {
        Task<bool>? held;
        lock (_fetching) held = _fetching.TryGetValue(digest, out var f) ? f.Held.Task : null;
        if (held is not null)
        {
            try { await held.WaitAsync(max, ct).ConfigureAwait(false); }
            catch (TimeoutException) { return false; }
        }
        return _index.TryGet(digest, out var root, out _) && await _store.HasAsync(root, ct).ConfigureAwait(false);
    }

    public void DownloadStarted(OciDigest digest)
    {
        lock (_fetching)
        {
            if (!_fetching.TryGetValue(digest, out var f)) _fetching[digest] = f = new Fetch();
            f.Downloads++;
        }
    }

    public void DownloadEnded(OciDigest digest)
    {
        Fetch? ended = null;
        lock (_fetching)
        {
            if (_fetching.TryGetValue(digest, out var f) && --f.Downloads <= 0)
            {
                _fetching.Remove(digest);
                ended = f;
            }
        }
        ended?.Held.TrySetResult(false); // failed (a stored blob completed it already)
    }

    private void SetFetchState(OciDigest digest, BlobFetchState state)
    {
        lock (_fetching)
            if (_fetching.TryGetValue(digest, out var f)) f.State = state;
    }

    /// <summary>
    /// Nodes that start pulling one blob at the same moment agree on one of them to fetch it from the upstream:
    /// a peer already at the upstream is waited for; among peers still deciding, the lowest peer id goes. Each node marks itself deciding before it asks, so two deciders always see each other and
    /// pick the same one. A waiter takes the blob from that peer once it holds it.
    /// </summary>
    private async ValueTask<(BlobSource? Held, PeerFetch? Target)> DecideAsync(OciDigest digest, CancellationToken ct)
    {
        var self = _routing.LocalPeer;
        var deadline = Stopwatch.GetTimestamp() + (long)(DecisionTimeout.TotalSeconds * Stopwatch.Frequency);
        PeerFetch? target;
        while (true)
        {
            var answers = new List<PeerFetch>();
            using (var search = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                search.CancelAfter(_searchTimeout);
                try
                {
                    await foreach (var answer in _routing.AskFetchingPeersAsync(digest, search.Token).ConfigureAwait(false))
                    {
                        if (answer.Held is { } held && held.Length >= 0 && !IsRejected(digest, held.Root))
                            return (new BlobSource(digest, held.Length, false, held.Root.ToString(), [held.Peer]), null); // one got it meanwhile
                        if (answer.State != BlobFetchState.None) answers.Add(answer);
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { } // decide with the answers we have
            }
            // Never wait for a waiter: it may be waiting for this node (no cycles: a node waits only for one at the
            // upstream or for a decider with a lower id).
            target = answers.Find(a => a.State == BlobFetchState.Upstream);
            var higherDeciding = false;
            if (target is null && self.Length > 0)
                foreach (var a in answers)
                {
                    if (a.State != BlobFetchState.Locating) continue;
                    if (string.CompareOrdinal(a.Peer, self) > 0) higherDeciding = true;
                    else if (target is null || string.CompareOrdinal(a.Peer, target.Peer) < 0) target = a;
                }
            // A decider with a higher id may have asked before this node said it was deciding, and so may go to the
            // upstream itself: let it decide first (it waits for this node, or goes and this node waits for it).
            if (target is not null || !higherDeciding || Stopwatch.GetTimestamp() > deadline) break;
            await Task.Delay(DecisionPollInterval, ct).ConfigureAwait(false);
        }
        if (target is null) SetFetchState(digest, BlobFetchState.Upstream);
        else SetFetchState(digest, BlobFetchState.Waiting);
        return (null, target);
    }

    public async ValueTask<BlobSource?> AwaitPeerFetchAsync(OciDigest digest, CancellationToken ct)
    {
        var (held, target) = await DecideAsync(digest, ct).ConfigureAwait(false);
        if (held is not null || target is null) return held;
        return await WaitForTargetAsync(digest, target, ct).ConfigureAwait(false);
    }

    /// <summary>Reads the chosen peer's upstream download as it grows (the waiter does not wait for the whole blob),
    /// or, when that peer cannot stream it, waits until it holds the blob and reads its DAG.</summary>
    public async ValueTask<(Stream Content, long Length, BlobSource Source)?> OpenPeerFetchAsync(OciDigest digest, long offset, CancellationToken ct)
    {
        var (held, target) = await DecideAsync(digest, ct).ConfigureAwait(false);
        BlobSource? source = held;
        if (source is null && target is not null)
        {
            (Stream Content, long Length)? streamed = null;
            try { streamed = await _routing.OpenPeerDownloadAsync(target.Peer, digest, offset, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is IOException or InvalidDataException) { }
            if (streamed is { } open)
                return (open.Content, open.Length, new BlobSource(digest, open.Length, false, null, [target.Peer]));
            source = await WaitForTargetAsync(digest, target, ct).ConfigureAwait(false);
        }
        if (source is null) return null;
        return (await OpenReadAsync(source, offset, ct).ConfigureAwait(false), source.Length, source);
    }

    private async ValueTask<BlobSource?> WaitForTargetAsync(OciDigest digest, PeerFetch target, CancellationToken ct)
    {
        BlobProvider? provider = null;
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            wait.CancelAfter(PeerFetchWaitTimeout);
            try { provider = await _routing.WaitForPeerAsync(target.Peer, digest, wait.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
        }
        if (provider is null || provider.Length < 0 || IsRejected(digest, provider.Root))
        {
            SetFetchState(digest, BlobFetchState.Upstream); // the peer did not get it: this node goes itself
            return null;
        }
        return new BlobSource(digest, provider.Length, false, provider.Root.ToString(), [provider.Peer]);
    }

    public async ValueTask RejectAsync(BlobSource source, CancellationToken ct)
    {
        if (source.Root is null || !Cid.TryParse(source.Root, out var root))
        {
            // Bytes streamed from a peer's own download: no DAG to drop, but the peer sent a wrong blob.
            foreach (var peer in source.Providers)
                _routing.ReportBadProvider(peer, source.Digest, null, "streamed bytes do not hash to the blob's digest");
            return;
        }
        lock (_rejected) _rejected.Add((source.Digest, root));
        _wholeReads.TryRemove(source.Digest, out _);
        foreach (var peer in source.Providers)
            _routing.ReportBadProvider(peer, source.Digest, root, "DAG content does not hash to the blob's digest");
        if (_index.TryGet(source.Digest, out var mine, out _) && mine == root)
        {
            _index.Remove(source.Digest);
            await DeleteDagAsync(root, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the blocks of a DAG this node holds (its blocks only; missing ones are skipped).</summary>
    private async Task DeleteDagAsync(Cid root, CancellationToken ct)
    {
        var pending = new Stack<Cid>();
        pending.Push(root);
        while (pending.TryPop(out var cid))
        {
            var block = await _store.GetAsync(cid, ct).ConfigureAwait(false);
            if (block is null) continue;
            if (cid.Codec == MulticodecCode.DagPb)
            {
                try { foreach (var link in DagPb.Decode(block.Data.Span).Links) pending.Push(link.Hash); }
                catch (FormatException) { }
            }
            await _store.DeleteAsync(cid, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Announces every blob this node holds again (provider records expire; call after start and periodically).</summary>
    public async Task ReannounceAsync(CancellationToken ct)
    {
        foreach (var digest in _index.List())
            if (_index.TryGet(digest, out var root, out var length) && await _store.HasAsync(root, ct).ConfigureAwait(false))
                await _routing.AnnounceAsync(digest, root, length, ct).ConfigureAwait(false);
    }

    /// <summary>Ends the fetch session together with the stream reading through it.</summary>
    private sealed class SessionStream(Stream inner, IBlockFetchSession session, Action<long>? onEnd) : ReadOnlyStream
    {
        private long _read;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            var n = await inner.ReadAsync(buffer, ct).ConfigureAwait(false);
            _read += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask DisposeAsync()
        {
            onEnd?.Invoke(_read);
            await inner.DisposeAsync().ConfigureAwait(false);
            await session.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
