namespace Shoal.Core;

/// <summary>A DAG-PB node: <c>PBNode { repeated PBLink Links = 2; bytes Data = 1; }</c>. Data null = absent.</summary>
public sealed class DagPbNode
{
    public DagPbNode(IReadOnlyList<DagPbLink> links, ReadOnlyMemory<byte>? data)
    {
        ArgumentNullException.ThrowIfNull(links);
        Links = links;
        Data = data;
    }

    public IReadOnlyList<DagPbLink> Links { get; }

    public ReadOnlyMemory<byte>? Data { get; }
}
