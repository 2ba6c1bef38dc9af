using System.Runtime.CompilerServices;

namespace Shoal.Core;

/// <summary>Reads UnixFS files back by CID: streaming, with random access by offset and length (the
/// children's blocksizes say which subtrees to skip), from a block store or an on-demand fetcher (Bitswap).
/// Also walks DAGs for CAR export, pinning and GC.</summary>
public sealed class UnixFsReader
{
    /// <summary>How many blocks ahead a network-backed reader requests; enough to keep a Bitswap session
    /// busy over a high-latency link without buffering more than a few MiB.</summary>
    public const int DefaultNetworkPrefetch = 8;

    /// <summary>Depth bound for DAG walks; a balanced tree of 174 links reaches exabytes in 8 levels, so a
    /// deeper DAG is hostile or broken.</summary>
    public const int MaxDepth = 64;

    private readonly Func<Cid, CancellationToken, ValueTask<Block>> _fetch;
    private readonly int _prefetch;

    /// <summary>Reads from a local store; a missing block throws <see cref="BlockNotFoundException"/>.</summary>
    public UnixFsReader(IBlockStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _fetch = async (cid, ct) => await store.GetAsync(cid, ct).ConfigureAwait(false) ?? throw new BlockNotFoundException(cid);
        _prefetch = 0;
    }

    /// <summary>Reads through <paramref name="fetch"/>, keeping up to <paramref name="prefetch"/> block requests in flight.</summary>
    public UnixFsReader(Func<Cid, CancellationToken, ValueTask<Block>> fetch, int prefetch = DefaultNetworkPrefetch)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        ArgumentOutOfRangeException.ThrowIfNegative(prefetch);
        _fetch = fetch;
        _prefetch = prefetch;
    }

    private async ValueTask<Block> FetchAsync(Cid cid, CancellationToken ct)
    {
        if (cid.Hash.Code == MulticodecCode.Identity) return Block.CreateTrusted(cid, cid.Hash.Digest);
        var block = await _fetch(cid, ct).ConfigureAwait(false);
        if (!block.Cid.Hash.Equals(cid.Hash)) throw new InvalidDataException($"fetcher returned block {block.Cid} when asked for {cid}");
        return block;
    }

    public async ValueTask<UnixFsStat> StatAsync(Cid cid, CancellationToken ct = default)
    {
        var block = await FetchAsync(cid, ct).ConfigureAwait(false);
        if (cid.Codec == MulticodecCode.Raw) return new UnixFsStat(cid, UnixFsType.Raw, block.Data.Length, block.Data.Length, 0);
        if (cid.Codec != MulticodecCode.DagPb) throw new NotSupportedException($"{cid}: codec {MulticodecCode.NameOf(cid.Codec)} is not UnixFS");
        var (node, unixfs) = DecodeUnixFs(block);
        ulong content = unixfs.Type is UnixFsType.File or UnixFsType.Raw ? unixfs.ContentSize : 0;
        if (content > long.MaxValue) throw new InvalidDataException($"{cid}: file size {content} out of range");
        long size = (long)content;
        return new UnixFsStat(cid, unixfs.Type, size, block.Data.Length, node.Links.Count);
    }

    /// <summary>Yields the file's bytes in [offset, offset+length) as block-sized pieces, in order.</summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(Cid root, long offset = 0, long? length = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is < 0) throw new ArgumentOutOfRangeException(nameof(length));
        long end = length is long l ? (long.MaxValue - offset < l ? long.MaxValue : offset + l) : long.MaxValue;
        if (offset == end) yield break;

        using var prefetchCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var stack = new List<Pending> { new(root, 0, -1, 0) };
        try
        {
            while (stack.Count > 0)
            {
                var item = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                StartPrefetch(stack, prefetchCts.Token);
                var block = item.Fetch is { } started ? await started.ConfigureAwait(false) : await FetchAsync(item.Cid, ct).ConfigureAwait(false);
                ReadOnlyMemory<byte> data;
                if (item.Cid.Codec == MulticodecCode.Raw)
                {
                    data = block.Data;
                    CheckSize(item, data.Length);
                }
                else if (item.Cid.Codec == MulticodecCode.DagPb)
                {
                    var (node, unixfs) = DecodeUnixFs(block);
                    if (unixfs.Type is not (UnixFsType.File or UnixFsType.Raw))
                        throw new InvalidOperationException($"{item.Cid} is a UnixFS {unixfs.Type}, not a file");
                    if (unixfs.BlockSizes.Count != node.Links.Count)
                        throw new InvalidDataException($"{item.Cid}: {node.Links.Count} links but {unixfs.BlockSizes.Count} blocksizes");
                    if (node.Links.Count > 0 && item.Depth >= MaxDepth) throw new InvalidDataException($"{root}: DAG deeper than {MaxDepth}");
                    data = unixfs.Data ?? ReadOnlyMemory<byte>.Empty;
                    ulong total = (ulong)data.Length + SumOf(unixfs.BlockSizes);
                    if (total > (ulong)(long.MaxValue - item.Start)) throw new InvalidDataException($"{item.Cid}: file larger than 2^63 bytes");
                    CheckSize(item, total);
                    if (item.Size < 0 && unixfs.FileSize is ulong fs && fs != total)
                        throw new InvalidDataException($"{item.Cid}: filesize {fs} but data and blocksizes add to {total}");
                    // Children in reverse so the first is popped first; only those overlapping the range.
                    long childEnd = item.Start + (long)total;
                    for (int i = node.Links.Count - 1; i >= 0; i--)
                    {
                        long childStart = childEnd - (long)unixfs.BlockSizes[i];
                        if (childStart < end && childEnd > offset && childEnd > childStart)
                            stack.Add(new Pending(node.Links[i].Hash, childStart, (long)unixfs.BlockSizes[i], item.Depth + 1));
                        childEnd = childStart;
                    }
                    StartPrefetch(stack, prefetchCts.Token);
                }
                else
                {
                    throw new NotSupportedException($"{item.Cid}: codec {MulticodecCode.NameOf(item.Cid.Codec)} is not UnixFS");
                }
                long dataStart = item.Start, dataEnd = item.Start + data.Length;
                long from = Math.Max(dataStart, offset), to = Math.Min(dataEnd, end);
                if (from < to) yield return data.Slice((int)(from - dataStart), (int)(to - from));
            }
        }
        finally
        {
            prefetchCts.Cancel();
            foreach (var p in stack)
            {
                if (p.Fetch is null) continue;
                try { await p.Fetch.ConfigureAwait(false); }
                catch (Exception) { /* abandoned prefetch: its failure no longer matters */ }
            }
        }
    }

    /// <summary>Opens the file (or a range of it) as a forward-only stream whose Length is the range's length
    /// (HTTP Range responses). Throws for a missing root block or a non-file before returning.</summary>
    public async Task<Stream> OpenReadAsync(Cid root, long offset = 0, long? length = null, CancellationToken ct = default)
    {
        var stat = await StatAsync(root, ct).ConfigureAwait(false);
        if (stat.Type is not (UnixFsType.File or UnixFsType.Raw))
            throw new InvalidOperationException($"{root} is a UnixFS {stat.Type}, not a file");
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        long available = Math.Max(0, stat.Size - offset);
        long count = length is long l ? Math.Min(l, available) : available;
        return new UnixFsReadStream(ReadAsync(root, offset, count, ct), count);
    }

    /// <summary>Copies the file (or a range of it) to <paramref name="destination"/>; returns bytes written.</summary>
    public async Task<long> CopyToAsync(Cid root, Stream destination, long offset = 0, long? length = null, CancellationToken ct = default)
    {
        long written = 0;
        await foreach (var piece in ReadAsync(root, offset, length, ct).ConfigureAwait(false))
        {
            await destination.WriteAsync(piece, ct).ConfigureAwait(false);
            written += piece.Length;
        }
        return written;
    }

    /// <summary>Every block reachable from <paramref name="root"/> once, root first, depth-first in link order
    /// (the order Kubo's <c>dag export</c> writes). Links of codecs other than dag-pb and raw are not followed.</summary>
    public async IAsyncEnumerable<Block> EnumerateBlocksAsync(Cid root, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var seen = new HashSet<Multihash>();
        var stack = new Stack<(Cid Cid, int Depth)>();
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (cid, depth) = stack.Pop();
            if (!seen.Add(cid.Hash)) continue;
            var block = await FetchAsync(cid, ct).ConfigureAwait(false);
            yield return block;
            if (cid.Codec != MulticodecCode.DagPb) continue;
            var node = DagPb.Decode(block.Data.Span);
            if (node.Links.Count > 0 && depth >= MaxDepth) throw new InvalidDataException($"{root}: DAG deeper than {MaxDepth}");
            for (int i = node.Links.Count - 1; i >= 0; i--)
                if (!seen.Contains(node.Links[i].Hash.Hash)) stack.Push((node.Links[i].Hash, depth + 1));
        }
    }

    /// <summary>The CIDs of <see cref="EnumerateBlocksAsync"/>.</summary>
    public async IAsyncEnumerable<Cid> EnumerateDagAsync(Cid root, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var block in EnumerateBlocksAsync(root, ct).ConfigureAwait(false)) yield return block.Cid;
    }

    /// <summary>Keeps at most <c>_prefetch</c> fetches in flight, for the blocks that will be needed next.</summary>
    private void StartPrefetch(List<Pending> stack, CancellationToken ct)
    {
        if (_prefetch == 0) return;
        int started = 0;
        foreach (var p in stack) if (p.Fetch is not null) started++;
        for (int i = stack.Count - 1; i >= 0 && started < _prefetch; i--)
        {
            if (stack[i].Fetch is not null) continue;
            stack[i] = stack[i] with { Fetch = FetchAsync(stack[i].Cid, ct).AsTask() };
            started++;
        }
    }

    private static void CheckSize(Pending item, ulong actual)
    {
        if (item.Size >= 0 && (ulong)item.Size != actual)
            throw new InvalidDataException($"{item.Cid}: parent says {item.Size} bytes, node holds {actual}");
    }

    private static void CheckSize(Pending item, int actual) => CheckSize(item, (ulong)actual);

    private static ulong SumOf(IReadOnlyList<ulong> sizes)
    {
        ulong total = 0;
        foreach (var s in sizes)
        {
            total += s;
            if (total < s || total > long.MaxValue) throw new InvalidDataException("UnixFS blocksizes add up to more than 2^63 bytes");
        }
        return total;
    }

    private static (DagPbNode Node, UnixFsData UnixFs) DecodeUnixFs(Block block)
    {
        try
        {
            var node = DagPb.Decode(block.Data.Span);
            if (node.Data is not { } data) throw new InvalidDataException($"{block.Cid}: dag-pb node has no UnixFS Data");
            return (node, UnixFsData.Decode(data.Span));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{block.Cid}: {e.Message}", e);
        }
    }

    private sealed record Pending(Cid Cid, long Start, long Size, int Depth)
    {
        public Task<Block>? Fetch { get; init; }
    }
}
