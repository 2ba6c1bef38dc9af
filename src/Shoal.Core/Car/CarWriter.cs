using System.Buffers;

namespace Shoal.Core;

/// <summary>Writes a CARv1: <c>varint(len) header</c> then sections <c>varint(len(cid)+len(data)) cid data</c>.</summary>
public sealed class CarWriter : IAsyncDisposable
{
    private readonly Stream _output;
    private readonly bool _leaveOpen;

    private CarWriter(Stream output, bool leaveOpen)
    {
        _output = output;
        _leaveOpen = leaveOpen;
    }

    public long BlocksWritten { get; private set; }

    public long BytesWritten { get; private set; }

    /// <summary>Writes the header and returns a writer for the sections.</summary>
    public static async Task<CarWriter> CreateAsync(Stream output, IReadOnlyList<Cid> roots, bool leaveOpen = true, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(roots);
        if (roots.Count == 0) throw new ArgumentException("a CARv1 needs at least one root", nameof(roots));
        var writer = new CarWriter(output, leaveOpen);
        var header = CarHeaderCodec.Encode(roots);
        await writer.WritePrefixedAsync(header, ReadOnlyMemory<byte>.Empty, ct).ConfigureAwait(false);
        return writer;
    }

    public ValueTask WriteAsync(Block block, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(block);
        BlocksWritten++;
        return WritePrefixedAsync(block.Cid.Bytes, block.Data, ct);
    }

    private async ValueTask WritePrefixedAsync(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second, CancellationToken ct)
    {
        int length = first.Length + second.Length;
        var prefix = ArrayPool<byte>.Shared.Rent(Varint.MaxLength + first.Length);
        try
        {
            int n = Varint.Write(prefix, (ulong)length);
            first.Span.CopyTo(prefix.AsSpan(n));
            await _output.WriteAsync(prefix.AsMemory(0, n + first.Length), ct).ConfigureAwait(false);
            if (!second.IsEmpty) await _output.WriteAsync(second, ct).ConfigureAwait(false);
            BytesWritten += n + length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(prefix);
        }
    }

    public Task FlushAsync(CancellationToken ct = default) => _output.FlushAsync(ct);

    /// <summary>Exports the DAG under <paramref name="root"/> (root first, depth-first, each block once), like <c>ipfs dag export</c>.</summary>
    public static async Task<long> ExportDagAsync(Stream output, Cid root, UnixFsReader source, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        await using var writer = await CreateAsync(output, [root], leaveOpen: true, ct).ConfigureAwait(false);
        await foreach (var block in source.EnumerateBlocksAsync(root, ct).ConfigureAwait(false))
            await writer.WriteAsync(block, ct).ConfigureAwait(false);
        await writer.FlushAsync(ct).ConfigureAwait(false);
        return writer.BlocksWritten;
    }

    public async ValueTask DisposeAsync()
    {
        await _output.FlushAsync().ConfigureAwait(false);
        if (!_leaveOpen) await _output.DisposeAsync().ConfigureAwait(false);
    }
}
