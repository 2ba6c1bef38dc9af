using Shoal.Core;

namespace Shoal.Node;

/// <summary>Reads a CAR into the block store; every block is re-hashed against its CID by the reader first.</summary>
public static class CarImport
{
    public static async Task<(IReadOnlyList<Cid> Roots, long Count)> ImportAsync(Stream car, IBlockStore store, int maxBlockSize, CancellationToken ct)
    {
        await using var reader = await CarReader.OpenAsync(car, ct).ConfigureAwait(false);
        long count = 0;
        await foreach (var block in reader.ReadBlocksAsync(ct).ConfigureAwait(false))
        {
            if (block.Data.Length > maxBlockSize)
                throw new InvalidDataException($"CAR block {block.Cid} is {block.Data.Length} bytes, over Limits.MaxBlockSize ({maxBlockSize})");
            await store.PutAsync(block, ct).ConfigureAwait(false);
            count++;
        }
        return (reader.Roots, count);
    }
}
