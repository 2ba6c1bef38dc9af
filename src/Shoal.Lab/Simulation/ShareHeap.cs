using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Shoal.Lab.Simulation;

/// <summary>
/// The fair-share computation's min-heap of (share, link, version). It pops equal shares in exactly the order
/// <see cref="PriorityQueue{TElement, TPriority}"/> with a <see cref="double"/> priority does (the same quaternary
/// layout, sift rules and comparison), because progressive filling's floating-point results depend, at the last bit, on
/// which of two equally loaded links is saturated first, and the simulator promises the same report for the same
/// inputs. It is faster only in how it stores nodes: shares and payloads in two plain arrays (a node's four children's
/// shares in half a cache line, no object references, so no GC write barriers) and no bounds checks in the sifts.
/// </summary>
public sealed class ShareHeap
{
    /// <summary>Children per node, as in the runtime's PriorityQueue (its tie order depends on it).</summary>
    private const int Arity = 4;
    private const int Log2Arity = 2;

    private double[] _shares = new double[64];

    /// <summary>Item in the high 32 bits, version in the low 32.</summary>
    private long[] _payloads = new long[64];

    public int Count { get; private set; }

    public void Clear() => Count = 0;

    public void Enqueue(double share, int item, int version)
    {
        var index = Count;
        if (index == _shares.Length)
        {
            Array.Resize(ref _shares, _shares.Length * 2);
            Array.Resize(ref _payloads, _payloads.Length * 2);
        }
        Count = index + 1;
        long payload = ((long)item << 32) | (uint)version;
        ref double shares = ref MemoryMarshal.GetArrayDataReference(_shares);
        ref long payloads = ref MemoryMarshal.GetArrayDataReference(_payloads);
        while (index > 0)
        {
            var parent = (index - 1) >> Log2Arity;
            var parentShare = Unsafe.Add(ref shares, parent);
            if (share.CompareTo(parentShare) >= 0) break;
            Unsafe.Add(ref shares, index) = parentShare;
            Unsafe.Add(ref payloads, index) = Unsafe.Add(ref payloads, parent);
            index = parent;
        }
        Unsafe.Add(ref shares, index) = share;
        Unsafe.Add(ref payloads, index) = payload;
    }

    public bool TryDequeue(out int item, out int version, out double share)
    {
        if (Count == 0)
        {
            item = version = 0;
            share = 0;
            return false;
        }
        share = _shares[0];
        long payload = _payloads[0];
        item = (int)(payload >> 32);
        version = (int)payload;
        var last = --Count;
        if (last > 0) SiftDown(_shares[last], _payloads[last], last);
        return true;
    }

    /// <summary>Places a node from the root down, among the first <paramref name="size"/> nodes.</summary>
    private void SiftDown(double share, long payload, int size)
    {
        ref double shares = ref MemoryMarshal.GetArrayDataReference(_shares);
        ref long payloads = ref MemoryMarshal.GetArrayDataReference(_payloads);
        var index = 0;
        int child;
        while ((child = (index << Log2Arity) + 1) < size)
        {
            // The first of the smallest children wins, as in the runtime's queue.
            var min = child;
            var minShare = Unsafe.Add(ref shares, child);
            var end = Math.Min(child + Arity, size);
            for (var c = child + 1; c < end; c++)
            {
                var s = Unsafe.Add(ref shares, c);
                if (s.CompareTo(minShare) < 0)
                {
                    min = c;
                    minShare = s;
                }
            }
            if (share.CompareTo(minShare) <= 0) break;
            Unsafe.Add(ref shares, index) = minShare;
            Unsafe.Add(ref payloads, index) = Unsafe.Add(ref payloads, min);
            index = min;
        }
        Unsafe.Add(ref shares, index) = share;
        Unsafe.Add(ref payloads, index) = payload;
    }
}
