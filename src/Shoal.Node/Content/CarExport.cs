using Shoal.Core;

namespace Shoal.Node;

/// <summary>Writes a DAG as a CARv1 with one root, blocks root first, depth first, each once (as `ipfs dag export`).</summary>
public static class CarExport
{
    public static async Task<long> WriteAsync(IBlockStore store, Cid root, Stream output, CancellationToken ct)
    {
        await using var writer = await CarWriter.CreateAsync(output, [root], leaveOpen: true, ct).ConfigureAwait(false);
        await foreach (var block in DagWalker.WalkBlocksAsync(store, root, ct).ConfigureAwait(false))
            await writer.WriteAsync(block, ct).ConfigureAwait(false);
        await writer.FlushAsync(ct).ConfigureAwait(false);
        return writer.BlocksWritten;
    }
}
