using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>Wantlist changes waiting to go to one peer; later changes to a CID replace earlier ones.</summary>
internal sealed class WantOutbox
{
    private readonly List<WantlistEntry> _entries = [];
    private readonly Dictionary<Cid, int> _index = [];

    public int Count => _entries.Count;

    public List<WantlistEntry> Entries => _entries;

    public void Add(WantlistEntry entry)
    {
        if (_index.TryGetValue(entry.Cid, out int i))
        {
            var existing = _entries[i];
            if (!entry.Cancel && !existing.Cancel && existing.WantType == WantType.Block && entry.WantType == WantType.Have) return;
            _entries[i] = entry;
            return;
        }
        _index[entry.Cid] = _entries.Count;
        _entries.Add(entry);
    }

    public void Clear()
    {
        _entries.Clear();
        _index.Clear();
    }
}
