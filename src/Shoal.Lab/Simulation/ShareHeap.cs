namespace Shoal.Lab.Simulation;

/// <summary>
/// The fair-share computation's min-heap of (share, link, version). It pops equal shares in exactly the order
/// <see cref="PriorityQueue{TElement, TPriority}"/> with a <see cref="double"/> priority does (the same quaternary
/// layout, sift rules and comparison), because progressive filling's floating-point results depend, at the last bit, on
/// which of two equally loaded links is saturated first, and the simulator promises the same report for the same
/// inputs. It is faster only in what it stores: 16-byte nodes without object references (no GC write barriers).
/// </summary>
public sealed class ShareHeap
{
    /// <summary>Children per node, as in the runtime's PriorityQueue (its tie order depends on it).</summary>
    private const int Arity = 4;
    private const int Log2Arity = 2;

    private Node[] _nodes = new Node[64];

    public int Count { get; private set; }

    public void Clear() => Count = 0;

    public void Enqueue(double share, int item, int version)
    {
        var index = Count;
        if (index == _nodes.Length) Array.Resize(ref _nodes, _nodes.Length * 2);
        Count = index + 1;
        var node = new Node(share, item, version);
        var nodes = _nodes;
        while (index > 0)
        {
            var parent = (index - 1) >> Log2Arity;
            if (node.Share.CompareTo(nodes[parent].Share) >= 0) break;
            nodes[index] = nodes[parent];
            index = parent;
        }
        nodes[index] = node;
    }

    public bool TryDequeue(out int item, out int version, out double share)
    {
        if (Count == 0)
        {
            item = version = 0;
            share = 0;
            return false;
        }
        var nodes = _nodes;
        (share, item, version) = (nodes[0].Share, nodes[0].Item, nodes[0].Version);
        var last = --Count;
        if (last > 0) SiftDown(nodes[last], last);
        return true;
    }

    /// <summary>Places <paramref name="node"/> from the root down, among the first <paramref name="size"/> nodes.</summary>
    private void SiftDown(Node node, int size)
    {
        var nodes = _nodes;
        var index = 0;
        int child;
        while ((child = (index << Log2Arity) + 1) < size)
        {
            // The first of the smallest children wins, as in the runtime's queue.
            var min = child;
            var end = Math.Min(child + Arity, size);
            for (var c = child + 1; c < end; c++)
                if (nodes[c].Share.CompareTo(nodes[min].Share) < 0) min = c;
            if (node.Share.CompareTo(nodes[min].Share) <= 0) break;
            nodes[index] = nodes[min];
            index = min;
        }
        nodes[index] = node;
    }

    private readonly record struct Node(double Share, int Item, int Version);
}
