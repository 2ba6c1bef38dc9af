using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>
/// Which want a full ledger gives up for a new one (boxo's order): a want for a block we lack before one we hold,
/// then the lowest priority, then the want met first when walking the ledger's dictionary (its entry slot: the
/// order a plain scan of <see cref="PeerLedger.Wants"/> sees). Two heaps keyed by (priority, slot) make the choice
/// O(log n) instead of a scan of up to 8,192 wants per new want:
/// - every want;
/// - the wants that may be for a block we lack: a superset of the truth, checked lazily. A new want joins it
///   unchecked; a candidate found present at eviction time leaves it (so each want is looked up at most once per
///   time it joins); a want rejoins when its block is removed from the store (<see cref="MayBeAbsentAgain"/>).
/// A block that arrives needs no notice: its want is found present the next time it is a candidate.
/// </summary>
internal sealed class LedgerEvictionOrder
{
    private readonly WantHeap _all = new(absent: false);
    private readonly WantHeap _maybeAbsent = new(absent: true);

    // Entry slots handed out as Dictionary<TKey, TValue> does (the last freed slot is reused first, else the next new
    // one; Clear starts over), so the tiebreak among equal priorities is the order a scan of the dictionary meets them.
    private readonly Stack<int> _freeSlots = new();
    private int _slotsUsed;

    public int Count => _all.Count;

    public void Add(LedgerWant want)
    {
        want.Slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _slotsUsed++;
        _all.Push(want);
        _maybeAbsent.Push(want);
    }

    public void Remove(LedgerWant want)
    {
        _all.Remove(want);
        _maybeAbsent.Remove(want);
        _freeSlots.Push(want.Slot);
    }

    public void SetPriority(LedgerWant want, int priority)
    {
        if (want.Priority == priority) return;
        want.Priority = priority;
        _all.Update(want);
        _maybeAbsent.Update(want);
    }

    /// <summary>The want's block left the store: the want may be for a block we lack again.</summary>
    public void MayBeAbsentAgain(LedgerWant want)
    {
        if (want.AbsentIndex < 0) _maybeAbsent.Push(want);
    }

    /// <summary>The want to give up first, or null when the ledger is empty; <paramref name="victimAbsent"/> says
    /// whether it is for a block we lack. Candidates found present leave the may-be-absent heap.</summary>
    public LedgerWant? Victim(Func<Cid, bool> isPresent, out bool victimAbsent)
    {
        LedgerWant? victim;
        while ((victim = _maybeAbsent.Min) is not null && isPresent(victim.Cid)) _maybeAbsent.Remove(victim);
        victimAbsent = victim is not null;
        return victim ?? _all.Min;
    }

    public void Clear()
    {
        _all.Clear();
        _maybeAbsent.Clear();
        _freeSlots.Clear();
        _slotsUsed = 0;
    }

    /// <summary>A binary min-heap on (priority, slot) whose wants remember their position, so any of them can be
    /// removed or re-keyed in O(log n). Each want has one position field per heap.</summary>
    private sealed class WantHeap(bool absent)
    {
        private LedgerWant[] _items = new LedgerWant[16];

        public int Count { get; private set; }

        public LedgerWant? Min => Count == 0 ? null : _items[0];

        private int IndexOf(LedgerWant w) => absent ? w.AbsentIndex : w.AllIndex;

        private void Place(LedgerWant w, int index)
        {
            _items[index] = w;
            if (absent) w.AbsentIndex = index;
            else w.AllIndex = index;
        }

        private static bool Before(LedgerWant a, LedgerWant b)
            => a.Priority != b.Priority ? a.Priority < b.Priority : a.Slot < b.Slot;

        public void Push(LedgerWant w)
        {
            if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
            Place(w, Count);
            Count++;
            Up(Count - 1);
        }

        public void Remove(LedgerWant w)
        {
            int i = IndexOf(w);
            if (i < 0) return;
            if (absent) w.AbsentIndex = -1;
            else w.AllIndex = -1;
            Count--;
            if (i == Count)
            {
                _items[Count] = null!;
                return;
            }
            Place(_items[Count], i);
            _items[Count] = null!;
            if (!Up(i)) Down(i);
        }

        public void Update(LedgerWant w)
        {
            int i = IndexOf(w);
            if (i >= 0 && !Up(i)) Down(i);
        }

        public void Clear()
        {
            for (int i = 0; i < Count; i++)
            {
                if (absent) _items[i].AbsentIndex = -1;
                else _items[i].AllIndex = -1;
            }
            Array.Clear(_items, 0, Count);
            Count = 0;
        }

        /// <summary>Moves the want at <paramref name="i"/> up while it goes before its parent; true if it moved.</summary>
        private bool Up(int i)
        {
            var w = _items[i];
            int start = i;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (!Before(w, _items[parent])) break;
                Place(_items[parent], i);
                i = parent;
            }
            if (i == start) return false;
            Place(w, i);
            return true;
        }

        private void Down(int i)
        {
            var w = _items[i];
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= Count) break;
                if (child + 1 < Count && Before(_items[child + 1], _items[child])) child++;
                if (!Before(_items[child], w)) break;
                Place(_items[child], i);
                i = child;
            }
            Place(w, i);
        }
    }
}
