using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// Reads a UnixFS file (or a raw block) by CID as a stream, from an offset for a length, skipping subtrees
/// outside the range by their block sizes, and asking for the next few sibling blocks ahead so a fetch
/// over Bitswap keeps several wants in flight instead of one round trip per block.
/// </summary>
public static class UnixFsContent
{
    /// <summary>Sibling blocks requested ahead of the one being read: enough to hide a LAN round trip per block.</summary>
    public const int PrefetchWindow = 16;

    public static async Task<long> GetSizeAsync(IBlockStore store, Cid cid, CancellationToken ct)
    {
        var block = await GetAsync(store, cid, ct).ConfigureAwait(false);
        if (cid.Codec == MulticodecCode.Raw) return block.Data.Length;
        return (long)FileData(cid, block).ContentSize;
    }

    public static async Task<ContentStream> OpenAsync(IBlockStore store, Cid cid, long offset, long? length, CancellationToken ct)
    {
        var size = await GetSizeAsync(store, cid, ct).ConfigureAwait(false);
        if (offset > size) throw new ArgumentException($"offset {offset} is past the end of {cid} ({size} bytes)");
        var count = Math.Min(length ?? long.MaxValue, size - offset);
        var segments = ReadAsync(store, cid, offset, count, ct);
        return new ContentStream(new SegmentStream(segments, count), size);
    }

    private static async Task<Block> GetAsync(IBlockStore store, Cid cid, CancellationToken ct) =>
        await store.GetAsync(cid, ct).ConfigureAwait(false) ?? throw new KeyNotFoundException($"block {cid} not found");

    private static UnixFsData FileData(Cid cid, Block block)
    {
        if (cid.Codec != MulticodecCode.DagPb) throw new NotSupportedException($"{cid} has codec 0x{cid.Codec:x}; only UnixFS (dag-pb) files and raw blocks can be read as files");
        var node = DagPb.Decode(block.Data.Span);
        if (node.Data is not { } data) throw new InvalidDataException($"{cid} is a dag-pb node without UnixFS data");
        var fs = UnixFsData.Decode(data.Span);
        if (fs.Type is not (UnixFsType.File or UnixFsType.Raw))
            throw new NotSupportedException($"{cid} is a UnixFS {fs.Type}, not a file");
        return fs;
    }

    /// <summary>The bytes of [offset, offset+count) of the file under <paramref name="cid"/>, as segments in order.</summary>
    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(IBlockStore store, Cid cid, long offset, long count,
        [EnumeratorCancellation] CancellationToken ct, Task<Block?>? prefetched = null)
    {
        if (count <= 0) yield break;
        var block = (prefetched is null ? null : await prefetched.ConfigureAwait(false)) ?? await GetAsync(store, cid, ct).ConfigureAwait(false);
        if (cid.Codec == MulticodecCode.Raw)
        {
            yield return block.Data.Slice((int)offset, (int)Math.Min(count, block.Data.Length - offset));
            yield break;
        }
        var node = DagPb.Decode(block.Data.Span);
        var fs = FileData(cid, block);
        long position = 0;
        if (fs.Data is { } inline && inline.Length > 0)
        {
            if (offset < inline.Length)
            {
                var take = (int)Math.Min(count, inline.Length - offset);
                yield return inline.Slice((int)offset, take);
                offset = 0;
                count -= take;
            }
            else offset -= inline.Length;
            position = inline.Length;
        }
        if (node.Links.Count != fs.BlockSizes.Count)
            throw new InvalidDataException($"{cid} has {node.Links.Count} links but {fs.BlockSizes.Count} block sizes");

        // Children overlapping the requested range, with their local offsets.
        var wanted = new List<(Cid Cid, long Offset, long Count)>();
        for (var i = 0; i < node.Links.Count && count > 0; i++)
        {
            var childSize = (long)fs.BlockSizes[i];
            if (offset >= childSize) { offset -= childSize; continue; }
            var take = Math.Min(count, childSize - offset);
            wanted.Add((node.Links[i].Hash, offset, take));
            offset = 0;
            count -= take;
        }
        var ahead = new Queue<Task<Block?>>();
        var next = 0;
        for (var i = 0; i < wanted.Count; i++)
        {
            while (next < wanted.Count && next < i + PrefetchWindow)
            {
                var c = wanted[next++].Cid;
                ahead.Enqueue(store.GetAsync(c, ct).AsTask());
            }
            var pending = ahead.Dequeue();
            await foreach (var segment in ReadAsync(store, wanted[i].Cid, wanted[i].Offset, wanted[i].Count, ct, pending).ConfigureAwait(false))
                yield return segment;
        }
    }
}
