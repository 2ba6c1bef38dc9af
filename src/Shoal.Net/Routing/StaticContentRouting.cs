using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Net.Routing;

/// <summary>
/// Content routing from a table in memory, for tests and the Lab. Keyed by the CID's multihash (like the DHT, so CIDv0 and
/// CIDv1 of the same bytes meet). Several nodes can share one table: <see cref="WithLocalPeer"/> gives each node a view
/// whose <see cref="ProvideAsync"/> records that node.
/// </summary>
public sealed class StaticContentRouting : IContentRouting
{
    private readonly Dictionary<Multihash, List<PeerInfo>> _table;
    private readonly PeerInfo? _localPeer;

    /// <summary>A new, empty table; <paramref name="localPeer"/> is who <see cref="ProvideAsync"/> announces (null: provide is a no-op).</summary>
    public StaticContentRouting(PeerInfo? localPeer = null) : this(new Dictionary<Multihash, List<PeerInfo>>(), localPeer) { }

    private StaticContentRouting(Dictionary<Multihash, List<PeerInfo>> table, PeerInfo? localPeer)
    {
        _table = table;
        _localPeer = localPeer;
    }

    /// <summary>A view of the same table that provides as <paramref name="localPeer"/>.</summary>
    public StaticContentRouting WithLocalPeer(PeerInfo localPeer) => new(_table, localPeer);

    /// <summary>Records (or refreshes) <paramref name="provider"/> for <paramref name="cid"/>.</summary>
    public void AddProvider(Cid cid, PeerInfo provider)
    {
        lock (_table)
        {
            if (!_table.TryGetValue(cid.Hash, out var list)) _table[cid.Hash] = list = [];
            list.RemoveAll(p => p.Id == provider.Id);
            list.Add(provider);
        }
    }

    public bool RemoveProvider(Cid cid, PeerId peer)
    {
        lock (_table) return _table.TryGetValue(cid.Hash, out var list) && list.RemoveAll(p => p.Id == peer) > 0;
    }

    public IReadOnlyList<PeerInfo> GetProviders(Cid cid)
    {
        lock (_table) return _table.TryGetValue(cid.Hash, out var list) ? list.ToArray() : [];
    }

    public Task ProvideAsync(Cid cid, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        if (_localPeer is not null) AddProvider(cid, _localPeer);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<PeerInfo> FindProvidersAsync(Cid cid, int maxProviders, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxProviders);
        await Task.CompletedTask.ConfigureAwait(false);
        var providers = GetProviders(cid);
        for (int i = 0; i < providers.Count && i < maxProviders; i++)
        {
            ct.ThrowIfCancellationRequested();
            yield return providers[i];
        }
    }
}
