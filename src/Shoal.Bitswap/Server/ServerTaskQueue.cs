namespace Shoal.Bitswap;

/// <summary>
/// A peer's queued answers in <see cref="ServerTaskOrder"/> (the order a <see cref="SortedSet{T}"/> with that comparer
/// keeps), as a sorted ring buffer: the head is taken in O(1), a task joins at either end in O(1) (answers mostly
/// arrive in order) and anywhere else by a binary search and a short shift, and walking the first tasks allocates
/// nothing (a SortedSet enumerator allocates its stack every time, and the Shoal server walks every peer's queue at
/// every send decision).
/// </summary>
internal sealed class ServerTaskQueue
{
    private ServerTask[] _items = new ServerTask[8];
    private int _head;

    public int Count { get; private set; }

    /// <summary>The first task in order, or null when empty.</summary>
    public ServerTask? Min => Count == 0 ? null : _items[_head];

    private ServerTask At(int index) => _items[(_head + index) & (_items.Length - 1)];

    /// <summary>Adds the task; false if it (or one the order ranks equal) is already queued.</summary>
    public bool Add(ServerTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        int index = Find(task, out bool found);
        if (found) return false;
        if (Count == _items.Length) Grow();
        int mask = _items.Length - 1;
        if (index < Count - index)
        {
            // Shift the tasks before the slot one step left.
            _head = (_head - 1) & mask;
            for (int i = 0; i < index; i++) _items[(_head + i) & mask] = _items[(_head + i + 1) & mask];
        }
        else
        {
            for (int i = Count; i > index; i--) _items[(_head + i) & mask] = _items[(_head + i - 1) & mask];
        }
        _items[(_head + index) & mask] = task;
        Count++;
        return true;
    }

    /// <summary>Removes the task; false if it was not queued.</summary>
    public bool Remove(ServerTask task)
    {
        if (task is null || Count == 0) return false;
        int index = Find(task, out bool found);
        if (!found) return false;
        int mask = _items.Length - 1;
        if (index < Count - 1 - index)
        {
            for (int i = index; i > 0; i--) _items[(_head + i) & mask] = _items[(_head + i - 1) & mask];
            _items[_head] = null!;
            _head = (_head + 1) & mask;
        }
        else
        {
            for (int i = index; i < Count - 1; i++) _items[(_head + i) & mask] = _items[(_head + i + 1) & mask];
            _items[(_head + Count - 1) & mask] = null!;
        }
        Count--;
        return true;
    }

    public void Clear()
    {
        Array.Clear(_items);
        _head = 0;
        Count = 0;
    }

    /// <summary>Index of the task, or where it would go (binary search; the order is total).</summary>
    private int Find(ServerTask task, out bool found)
    {
        int lo = 0, hi = Count - 1;
        // Most additions go last: check the tail before searching.
        if (Count > 0 && ServerTaskOrder.Instance.Compare(At(hi), task) < 0)
        {
            found = false;
            return Count;
        }
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            int c = ServerTaskOrder.Instance.Compare(At(mid), task);
            if (c == 0)
            {
                found = true; // as in a SortedSet: a task the order ranks equal counts as present (sequence numbers are unique)
                return mid;
            }
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        found = false;
        return lo;
    }

    private void Grow()
    {
        var bigger = new ServerTask[_items.Length * 2];
        for (int i = 0; i < Count; i++) bigger[i] = At(i);
        _items = bigger;
        _head = 0;
    }

    public Enumerator GetEnumerator() => new(this);

    /// <summary>Walks the tasks in order; the queue must not change meanwhile.</summary>
    public struct Enumerator(ServerTaskQueue queue)
    {
        private int _index = -1;

        public readonly ServerTask Current => queue.At(_index);

        public bool MoveNext() => ++_index < queue.Count;
    }
}
