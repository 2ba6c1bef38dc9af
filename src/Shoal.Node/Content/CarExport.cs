using Shoal.Core;

namespace Shoal.Node;

/// <summary>Streams a DAG as a CARv1 (one root, blocks depth first). Waits for Core's CarWriter.</summary>
public static class CarExport
{
    public static Stream Open(IBlockStore store, Cid root, CancellationToken ct) =>
        throw new NotSupportedException("CAR export arrives with Shoal.Core's CAR writer");
}
