namespace Shoal.Lab.Simulation;

/// <summary>
/// Transmissions by the time their last byte leaves, then by connection (from, to, lane): a total order, since a
/// connection carries one transmission at a time, so equal finish times always come out in the same order. A binary
/// min-heap of plain structs, rebuilt in linear time after every fair-share computation (which moves every finish).
/// </summary>
internal sealed class FinishQueue
{
    private Entry[] _items = new Entry[64];

    public int Count { get; private set; }

    public void Clear()
    {
        Array.Clear(_items, 0, Count);
        Count = 0;
    }

    /// <summary>Appends without ordering; call <see cref="Heapify"/> before reading.</summary>
    public void AddUnordered(SimFlow flow, long finishNs)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        var c = flow.Connection;
        _items[Count++] = new Entry(finishNs, c.From, c.To, c.Lane, flow);
    }

    public void Heapify()
    {
        for (var i = (Count >> 1) - 1; i >= 0; i--) SiftDown(i);
    }

    public bool TryPeek(out SimFlow flow, out long finishNs)
    {
        if (Count == 0)
        {
            flow = null!;
            finishNs = 0;
            return false;
        }
        flow = _items[0].Flow;
        finishNs = _items[0].FinishNs;
        return true;
    }

    public void Dequeue()
    {
        var last = --Count;
        _items[0] = _items[last];
        _items[last] = default;
        if (last > 0) SiftDown(0);
    }

    /// <summary>Replaces the first entry by another that is not earlier (a transmission whose finish moved later).</summary>
    public void ReplaceFirst(SimFlow flow, long finishNs)
    {
        var c = flow.Connection;
        _items[0] = new Entry(finishNs, c.From, c.To, c.Lane, flow);
        SiftDown(0);
    }

    private void SiftDown(int index)
    {
        var items = _items;
        var node = items[index];
        while (true)
        {
            var child = 2 * index + 1;
            if (child >= Count) break;
            if (child + 1 < Count && Before(items[child + 1], items[child])) child++;
            if (!Before(items[child], node)) break;
            items[index] = items[child];
            index = child;
        }
        items[index] = node;
    }

    private static bool Before(in Entry a, in Entry b)
    {
        if (a.FinishNs != b.FinishNs) return a.FinishNs < b.FinishNs;
        if (a.From != b.From) return a.From < b.From;
        if (a.To != b.To) return a.To < b.To;
        return a.Lane < b.Lane;
    }

    private readonly record struct Entry(long FinishNs, int From, int To, int Lane, SimFlow Flow);
}
