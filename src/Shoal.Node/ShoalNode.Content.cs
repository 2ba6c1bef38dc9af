using System.Diagnostics;
using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Node;

// Content operations: add, cat, blocks, DAG import/export, pins, gc. They work offline on the repository
// and, when the node is online, fetch missing blocks from peers through Blocks.
public sealed partial class ShoalNode
{
    public Task<IdResult> IdAsync(CancellationToken ct = default) => Task.FromResult(BuildId());

    public async Task<AddResult> AddAsync(Stream content, string name, AddOptions options, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        using var activity = NodeTracing.Source.StartActivity("add");
        activity?.SetTag("shoal.add.name", name);
        activity?.SetTag("shoal.add.profile", options.Profile);
        var importOptions = ToImportOptions(options);
        using (await _gcGuard.EnterWriteContentAsync(ct).ConfigureAwait(false))
        {
            var result = await UnixFsImporter.ImportAsync(content, LocalBlocks, importOptions, progress, ct).ConfigureAwait(false);
            Metrics.AddedBytes.Inc(result.FileSize);
            if (options.Pin) Pins.Add(result.Root);
            activity?.SetTag("shoal.cid", result.Root.ToString());
            activity?.SetTag("shoal.bytes", result.FileSize);
            await AnnounceAsync(result.Root, ct).ConfigureAwait(false);
            return new AddResult(name, result.Root.ToString(), result.FileSize, result.BlockCount);
        }
    }

    /// <summary>Maps a profile plus overrides to importer options; the profile sets the defaults.</summary>
    public static UnixFsImportOptions ToImportOptions(AddOptions options)
    {
        if (!UnixFsImportOptions.ProfileNames.Contains(options.Profile))
            throw new ArgumentException($"unknown profile '{options.Profile}' (use {string.Join(", ", UnixFsImportOptions.ProfileNames)})");
        var o = UnixFsImportOptions.FromProfile(options.Profile);
        if (options.CidVersion is { } v)
        {
            if (v is not (0 or 1)) throw new ArgumentException($"--cid-version must be 0 or 1, got {v}");
            // Kubo: asking for CIDv1 turns raw leaves on unless told otherwise.
            o = o with { CidVersion = v, RawLeaves = v == 1 && options.RawLeaves is null ? true : o.RawLeaves };
        }
        if (options.RawLeaves is { } raw) o = o with { RawLeaves = raw };
        if (options.ChunkSize is { } size) o = o with { ChunkSize = size };
        if (o.CidVersion == 0 && o.RawLeaves) throw new ArgumentException("raw leaves need CIDv1 (use --cid-version 1)");
        return o;
    }

    public async Task<ContentStream> CatAsync(Cid cid, long offset = 0, long? length = null, CancellationToken ct = default)
    {
        using var activity = NodeTracing.Source.StartActivity("cat");
        activity?.SetTag("shoal.cid", cid.ToString());
        // Online, a whole-file read fetches the file as one Bitswap session in the background and streams each
        // block out as it lands; a range fetches just its blocks.
        var read = new DagRead(this, cid, network: true, wholeDag: offset == 0 && length is null);
        try
        {
            return await OpenFileAsync(read, cid, offset, length, ct).ConfigureAwait(false);
        }
        catch
        {
            await read.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<ContentStream> CatAsync(string contentPath, long offset = 0, long? length = null, CancellationToken ct = default)
    {
        var (root, segments) = PathResolver.ParseContentPath(contentPath);
        if (segments.Length == 0) return await CatAsync(root, offset, length, ct).ConfigureAwait(false);
        ResolvedPath resolved;
        await using (var pathRead = new DagRead(this, root, network: true, wholeDag: false))
            resolved = await PathResolver.ResolveAsync(pathRead.GetAsync, root, segments, ct).ConfigureAwait(false);
        return await CatAsync(resolved.Target, offset, length, ct).ConfigureAwait(false);
    }

    /// <summary>Blocks requested ahead of the one being read: enough to hide a LAN round trip per block on a range read.</summary>
    public const int FilePrefetch = 16;

    /// <summary>A UnixFS file (or raw block) as a stream that owns <paramref name="read"/> (disposing the stream ends it).
    /// The stream's Length is the range's length; ContentStream.Length the whole file's size.</summary>
    public static async Task<ContentStream> OpenFileAsync(DagRead read, Cid cid, long offset, long? length, CancellationToken ct)
    {
        var reader = new UnixFsReader(read.GetAsync, FilePrefetch);
        var stat = await reader.StatAsync(cid, ct).ConfigureAwait(false);
        if (stat.Type is not (UnixFsType.File or UnixFsType.Raw))
            throw new NotSupportedException($"{cid} is a UnixFS {stat.Type}, not a file; give the path of a file inside it");
        if (offset > stat.Size) throw new ArgumentException($"offset {offset} is past the end of {cid} ({stat.Size} bytes)");
        var stream = await reader.OpenReadAsync(cid, offset, length, ct).ConfigureAwait(false);
        return new ContentStream(new OwningStream(stream, read), stat.Size);
    }

    public async Task<IReadOnlyList<string>> PinAddAsync(Cid cid, CancellationToken ct = default)
    {
        // Pinning fetches the whole DAG, as Kubo does, so the pin really protects content held here.
        await using (var read = new DagRead(this, cid, network: true, wholeDag: true))
            await foreach (var _ in DagWalker.WalkBlocksAsync(read.GetAsync, cid, ct).ConfigureAwait(false)) { }
        Pins.Add(cid);
        return [cid.ToString()];
    }

    public Task<IReadOnlyList<string>> PinRmAsync(Cid cid, CancellationToken ct = default)
    {
        if (!Pins.Remove(cid)) throw new KeyNotFoundException($"{cid} is not pinned");
        return Task.FromResult<IReadOnlyList<string>>([cid.ToString()]);
    }

    public Task<IReadOnlyList<PinEntry>> PinLsAsync(CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<PinEntry>>([.. Pins.List().Select(c => new PinEntry(c.ToString(), "recursive"))]);

    public async Task<byte[]> BlockGetAsync(Cid cid, CancellationToken ct = default)
    {
        var block = await GetBlockOrThrowAsync(cid, ct).ConfigureAwait(false);
        return block.Data.ToArray();
    }

    public async Task<BlockStatResult> BlockPutAsync(byte[] data, ulong codec, int cidVersion, CancellationToken ct = default)
    {
        if (data.Length > Config.Limits.MaxBlockSize)
            throw new ArgumentException($"block of {data.Length} bytes exceeds Limits.MaxBlockSize ({Config.Limits.MaxBlockSize})");
        if (cidVersion == 0 && codec != MulticodecCode.DagPb) throw new ArgumentException("CIDv0 is only for dag-pb blocks");
        var block = Block.Compute(data, codec, cidVersion);
        await LocalBlocks.PutAsync(block, ct).ConfigureAwait(false);
        return new BlockStatResult(block.Cid.ToString(), data.Length);
    }

    public async Task<BlockStatResult> BlockStatAsync(Cid cid, CancellationToken ct = default)
    {
        var size = await LocalBlocks.GetSizeAsync(cid, ct).ConfigureAwait(false);
        if (size is null) size = (await GetBlockOrThrowAsync(cid, ct).ConfigureAwait(false)).Data.Length;
        return new BlockStatResult(cid.ToString(), size.Value);
    }

    private async Task<Block> GetBlockOrThrowAsync(Cid cid, CancellationToken ct) =>
        await Blocks.GetAsync(cid, ct).ConfigureAwait(false)
        ?? throw new KeyNotFoundException($"block {cid} not found{(IsOnline ? " locally or from peers" : " in the repository (offline)")}");

    public async Task DagExportAsync(Cid cid, Stream output, CancellationToken ct = default)
    {
        using var activity = NodeTracing.Source.StartActivity("dag export");
        activity?.SetTag("shoal.cid", cid.ToString());
        await using var read = new DagRead(this, cid, network: true, wholeDag: true);
        await CarExport.WriteAsync(output, cid, [], DagWalker.WalkBlocksAsync(read.GetAsync, cid, ct), ct).ConfigureAwait(false);
    }

    public async Task<DagImportResult> DagImportAsync(Stream car, bool pinRoots, CancellationToken ct = default)
    {
        using (await _gcGuard.EnterWriteContentAsync(ct).ConfigureAwait(false))
        {
            var (roots, count) = await CarImport.ImportAsync(car, LocalBlocks, Config.Limits.MaxBlockSize, ct).ConfigureAwait(false);
            if (pinRoots) foreach (var root in roots) Pins.Add(root);
            return new DagImportResult([.. roots.Select(r => r.ToString())], count);
        }
    }

    public async Task<GcResult> GcAsync(CancellationToken ct = default)
    {
        using var activity = NodeTracing.Source.StartActivity("gc");
        using (await _gcGuard.EnterCollectAsync(ct).ConfigureAwait(false))
        {
            var live = new HashSet<string>(StringComparer.Ordinal);
            foreach (var root in Pins.List())
                await foreach (var cid in DagWalker.WalkLocalAsync(LocalBlocks, root, ct).ConfigureAwait(false))
                    live.Add(Convert.ToHexString(cid.Hash.Bytes.Span));
            var removed = new List<string>();
            long freed = 0;
            var candidates = new List<Cid>();
            await foreach (var cid in LocalBlocks.ListAsync(ct).ConfigureAwait(false))
                if (!live.Contains(Convert.ToHexString(cid.Hash.Bytes.Span))) candidates.Add(cid);
            foreach (var cid in candidates)
            {
                freed += await LocalBlocks.GetSizeAsync(cid, ct).ConfigureAwait(false) ?? 0;
                await LocalBlocks.DeleteAsync(cid, ct).ConfigureAwait(false);
                removed.Add(cid.ToString());
            }
            if (_network is { } network && candidates.Count > 0) await network.NotifyRemovedAsync(candidates, ct).ConfigureAwait(false);
            activity?.SetTag("shoal.gc.removed", removed.Count);
            return new GcResult(removed, freed);
        }
    }

    public async Task<RepoStatResult> RepoStatAsync(CancellationToken ct = default)
    {
        long size = 0, count = 0;
        await foreach (var cid in LocalBlocks.ListAsync(ct).ConfigureAwait(false))
        {
            count++;
            size += await LocalBlocks.GetSizeAsync(cid, ct).ConfigureAwait(false) ?? 0;
        }
        return new RepoStatResult(size, Config.Datastore.StorageMax, count, Repo.Path, RepoVersion);
    }
}
