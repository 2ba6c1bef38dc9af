using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Shoal.Core;

/// <summary>Streams a file into UnixFS v1 blocks: fixed-size chunker, balanced layout (the tree Kubo and
/// Helia build: leaves grouped MaxLinks at a time, parents grouped the same way until one root remains).
/// Memory is bounded by one chunk plus MaxLinks pending links per tree level, whatever the file size.</summary>
public static class UnixFsImporter
{
    /// <summary>Chunks are read to addresses aligned to a cache line (64 bytes): copies and hashing run at full speed.</summary>
    private const int ChunkAlignment = 64;

    /// <summary>Offset in <paramref name="buffer"/> where a block must start so that its chunk, <paramref name="prefix"/>
    /// bytes in, is aligned. Buffers this size live on the large object heap, which does not move them; were one moved,
    /// only speed would suffer.</summary>
    private static unsafe int AlignedLead(byte[] buffer, int prefix)
    {
        nint chunk = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer)) + prefix;
        return (int)((ChunkAlignment - (chunk & (ChunkAlignment - 1))) & (ChunkAlignment - 1));
    }

    /// <summary>Imports <paramref name="content"/> into <paramref name="store"/>; reports bytes read to <paramref name="progress"/>.</summary>
    public static async Task<UnixFsImportResult> ImportAsync(Stream content, IBlockStore store, UnixFsImportOptions? options = null,
        IProgress<long>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(store);
        options ??= UnixFsImportOptions.Helia;
        options.Validate();
        var builder = new BalancedDagBuilder(store, options);
        int chunkSize = options.ChunkSize;
        // Each chunk is read straight into the array that becomes its block (the store keeps it, so it cannot
        // be pooled); dag-pb leaves reserve room for their protobuf wrapper around the chunk.
        int prefix = options.RawLeaves ? 0 : DagPbLeaf.PrefixLength(chunkSize);
        int suffix = options.RawLeaves ? 0 : DagPbLeaf.SuffixLength(chunkSize);
        long total = 0;
        bool first = true;
        // A store that copies blocks out lets one pooled buffer carry every chunk; otherwise each block owns its array.
        // Either way the chunk is read to a cache-line-aligned address: a 256 KiB copy to a destination off by the
        // dag-pb prefix (10 bytes) measured ~7× slower than an aligned one, which was most of the kubo profile's cost.
        int span = prefix + chunkSize + suffix + ChunkAlignment;
        byte[]? pooled = store.KeepsBlockMemory ? null : ArrayPool<byte>.Shared.Rent(span);
        try
        {
            while (true)
            {
                var buffer = pooled ?? GC.AllocateUninitializedArray<byte>(span);
                int lead = AlignedLead(buffer, prefix); // the block starts here; its chunk at lead + prefix, aligned
                var block = buffer.AsMemory(lead, prefix + chunkSize + suffix);
                int filled = await content.ReadAtLeastAsync(block.Slice(prefix, chunkSize), chunkSize, throwOnEndOfStream: false, ct).ConfigureAwait(false);
                // The chunker emits one (empty) chunk for an empty file, and none after the last full chunk.
                if (filled == 0 && !first) break;
                first = false;
                total += filled;
                if (options.RawLeaves)
                {
                    var leaf = filled == chunkSize || pooled is not null ? block[..filled] : block.Span[..filled].ToArray();
                    await builder.AddRawLeafAsync(leaf, ct).ConfigureAwait(false);
                }
                else
                {
                    Memory<byte> leaf;
                    if (filled == chunkSize) leaf = block;
                    else if (pooled is null) leaf = DagPbLeaf.Relayout(block.Span.Slice(prefix, filled));
                    else leaf = DagPbLeaf.RelayoutInPlace(buffer, lead + prefix, filled);
                    DagPbLeaf.WriteWrapper(leaf.Span, filled);
                    await builder.AddDagPbLeafAsync(leaf, filled, ct).ConfigureAwait(false);
                }
                progress?.Report(total);
                if (filled < chunkSize) break;
            }
        }
        finally
        {
            if (pooled is not null) ArrayPool<byte>.Shared.Return(pooled);
        }
        var root = await builder.FinishAsync(ct).ConfigureAwait(false);
        return new UnixFsImportResult(root.Cid, total, root.Tsize, builder.BlockCount);
    }

    /// <summary>Imports bytes already in memory.</summary>
    public static Task<UnixFsImportResult> ImportAsync(ReadOnlyMemory<byte> content, IBlockStore store, UnixFsImportOptions? options = null,
        CancellationToken ct = default)
    {
        var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
        return ImportAsync(stream, store, options, null, ct);
    }
}
