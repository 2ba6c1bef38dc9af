using Shoal.Core;

namespace Shoal.Node;

/// <summary>Reads a CARv1 into the block store, verifying every block. Waits for Core's CarReader.</summary>
public static class CarImport
{
    public static Task<(IReadOnlyList<Cid> Roots, long Count)> ImportAsync(Stream car, IBlockStore store, int maxBlockSize, CancellationToken ct) =>
        throw new NotSupportedException("CAR import arrives with Shoal.Core's CAR reader");
}
