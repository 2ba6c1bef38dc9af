namespace Shoal.Core;

/// <summary>A block needed to walk a DAG is not available.</summary>
public sealed class BlockNotFoundException : Exception
{
    public BlockNotFoundException(Cid cid)
        : base($"block {cid} not found")
    {
        Cid = cid;
    }

    public Cid Cid { get; }
}
