using System.Buffers;

namespace Shoal.Core;

/// <summary>Streams a file into UnixFS v1 blocks: fixed-size chunker, balanced layout (the tree Kubo and
/// Helia build: leaves grouped MaxLinks at a time, parents grouped the same way until one root remains).
/// Memory is bounded by one chunk plus MaxLinks pending links per tree level, whatever the file size.</summary>
public static class UnixFsImporter
{
    /// <summary>Imports <paramref name="content"/> into <paramref name="store"/>; reports bytes read to <paramref name="progress"/>.</summary>
    public static async Task<UnixFsImportResult> ImportAsync(Stream content, IBlockStore store, UnixFsImportOptions? options = null,
        IProgress<long>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(store);
        options ??= UnixFsImportOptions.Helia;
        options.Validate();
        var builder = new BalancedDagBuilder(store, options);
        var buffer = ArrayPool<byte>.Shared.Rent(options.ChunkSize);
        try
        {
            long total = 0;
            bool first = true;
            while (true)
            {
                int filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, options.ChunkSize), options.ChunkSize, throwOnEndOfStream: false, ct).ConfigureAwait(false);
                // The chunker emits one (empty) chunk for an empty file, and none after the last full chunk.
                if (filled == 0 && !first) break;
                first = false;
                total += filled;
                await builder.AddLeafAsync(buffer.AsSpan(0, filled).ToArray(), ct).ConfigureAwait(false);
                progress?.Report(total);
                if (filled < options.ChunkSize) break;
            }
            var root = await builder.FinishAsync(ct).ConfigureAwait(false);
            return new UnixFsImportResult(root.Cid, total, root.Tsize, builder.BlockCount);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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
