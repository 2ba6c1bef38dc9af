using Shoal.Core;

namespace Shoal.Node;

/// <summary>Writes blocks as a CARv1 with one root (as `ipfs dag export` and the trustless gateway): the given
/// path blocks first, then the DAG's blocks in the order the walk yields them (root first, depth first, each once).</summary>
public static class CarExport
{
    public static async Task<long> WriteAsync(Stream output, Cid root, IReadOnlyList<Block> pathBlocks, IAsyncEnumerable<Block> dag, CancellationToken ct)
    {
        await using var writer = await CarWriter.CreateAsync(output, [root], leaveOpen: true, ct).ConfigureAwait(false);
        foreach (var block in pathBlocks) await writer.WriteAsync(block, ct).ConfigureAwait(false);
        await foreach (var block in dag.WithCancellation(ct).ConfigureAwait(false))
        {
            // Identity CIDs carry their bytes in the CID itself: never written as blocks (trustless gateway spec).
            if (block.Cid.Hash.Code == MulticodecCode.Identity) continue;
            await writer.WriteAsync(block, ct).ConfigureAwait(false);
        }
        await writer.FlushAsync(ct).ConfigureAwait(false);
        return writer.BlocksWritten;
    }
}
