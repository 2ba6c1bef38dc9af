using Shoal.Core;

namespace Shoal.Bitswap;

// Read-only views for tools (`stats bitswap`, /metrics); they change nothing in the core.
public sealed partial class BitswapEngine
{
    /// <summary>Every CID some session wants right now (our whole wantlist, as Kubo's <c>bitswap wantlist</c> lists it).</summary>
    public IReadOnlyList<Cid> Wantlist()
    {
        var list = new List<Cid>(_interest.Count);
        foreach (var cid in _interest.Keys) list.Add(cid);
        return list;
    }

    /// <summary>Tests: null when the index of peers with queued answers lists exactly the connected peers whose ledger
    /// has answers, in peer-list order; otherwise what is wrong.</summary>
    internal string? CheckPeersWithAnswers()
    {
        var expected = new List<PeerState>();
        foreach (var p in _peerList)
        {
            if (p.Ledger.Order.Count > 0) expected.Add(p);
        }
        var actual = _peersWithAnswers.InConnectionOrder;
        if (expected.Count != actual.Count) return $"{actual.Count} peers indexed, {expected.Count} have answers queued";
        for (int i = 0; i < expected.Count; i++)
        {
            if (!ReferenceEquals(expected[i], actual[i])) return $"entry {i} is {actual[i].Id}, expected {expected[i].Id}";
        }
        return null;
    }
}
