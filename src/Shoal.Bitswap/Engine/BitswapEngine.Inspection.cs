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
}
