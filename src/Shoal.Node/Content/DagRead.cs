using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// One reader's view of a DAG. Local blocks come at once. When the node is online and a block is missing, a
/// whole-DAG read starts one Bitswap session for the DAG in the background (many wants in flight) and each
/// block is handed over as soon as that session stores it, so bytes stream out in order while the rest is
/// still arriving; a partial read (a byte range) fetches only the blocks it asks for. Disposing ends the session.
/// </summary>
public sealed class DagRead : IAsyncDisposable, IDisposable
{
    private readonly ShoalNode _node;
    private readonly Cid _root;
    private readonly bool _wholeDag;
    private readonly bool _network;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _session;

    /// <param name="network">False: local blocks only (offline, or a gateway told not to fetch).</param>
    /// <param name="wholeDag">True when the reader will want every block of the DAG (cat, export), so one session fetches them all.</param>
    public DagRead(ShoalNode node, Cid root, bool network, bool wholeDag)
    {
        _node = node;
        _root = root;
        _network = network && node.IsOnline;
        _wholeDag = wholeDag;
    }

    /// <summary>The block, local or from peers; <see cref="BlockNotFoundException"/> when nobody had it in time.</summary>
    public async ValueTask<Block> GetAsync(Cid cid, CancellationToken ct)
    {
        if (await _node.LocalBlocks.GetAsync(cid, ct).ConfigureAwait(false) is { } local) return local;
        if (!_network) throw new BlockNotFoundException(cid);
        if (_wholeDag && StartSession() is { IsCompleted: false } session)
        {
            using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var arrival = _node.Arrivals.WaitAsync(cid, stopWaiting.Token);
            if (await _node.LocalBlocks.GetAsync(cid, ct).ConfigureAwait(false) is { } stored) return stored;
            await Task.WhenAny(arrival, session).WaitAsync(ct).ConfigureAwait(false);
            if (arrival.IsCompletedSuccessfully) return arrival.Result;
            await stopWaiting.CancelAsync().ConfigureAwait(false);
            if (session.IsFaulted) await session.ConfigureAwait(false); // the session's error (e.g. no block arrived in time)
        }
        return await _node.Blocks.GetAsync(cid, ct).ConfigureAwait(false) ?? throw new BlockNotFoundException(cid);
    }

    private Task StartSession()
    {
        lock (_gate) return _session ??= _node.EnsureLocalDagAsync(_root, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Task? session;
        lock (_gate) session = _session;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (session is not null)
        {
            try { await session.ConfigureAwait(false); }
            catch (Exception) { /* the reader already saw what mattered; a cancelled or failed background session ends here */ }
        }
        _stop.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
