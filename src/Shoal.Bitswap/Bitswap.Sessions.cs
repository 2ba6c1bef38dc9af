using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

// Caller-driven sessions seeded with known providers (see BitswapSession).
public sealed partial class Bitswap
{
    /// <summary>How long to wait for a Bitswap stream to a seeded provider before starting without it: the
    /// session still finds it later if it answers; a dead provider must not hold up the first want.</summary>
    public static readonly TimeSpan ProviderConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Opens a session whose peers are <paramref name="providers"/> from the start (connected first, so the
    /// first wants go to them rather than to a broadcast). Blocks are asked for with
    /// <see cref="BitswapSession.GetBlockAsync"/>; the session keeps finding other peers as any session does.
    /// </summary>
    public async Task<BitswapSession> StartSessionAsync(IReadOnlyList<PeerId> providers, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(providers);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (providers.Count > 0)
        {
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(ct);
            connect.CancelAfter(ProviderConnectTimeout);
            var dials = new Task[providers.Count];
            for (var i = 0; i < dials.Length; i++) dials[i] = ConnectProviderAsync(providers[i], connect.Token);
            await Task.WhenAll(dials).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
        var session = new BitswapSession(this, _store, providers);
        var waiter = new SessionWaiter(streaming: true);
        var started = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await PostAsync(new QueryInput(() =>
        {
            var id = _engine.StartSession(Now);
            waiter.Id = id;
            _waiters[id] = waiter;
            _engine.AddSessionPeers(id, providers, Now);
            started.TrySetResult(id);
        }), ct).ConfigureAwait(false);
        var sessionId = await started.Task.WaitAsync(ct).ConfigureAwait(false);
        session.Attach(sessionId, PumpAsync(waiter, session));
        return session;
    }

    /// <summary>Core stats of a session (null once it is closed).</summary>
    public async Task<SessionStats?> GetSessionStatsAsync(long session, CancellationToken ct = default)
    {
        var tcs = new TaskCompletionSource<SessionStats?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await PostAsync(new QueryInput(() => tcs.TrySetResult(_engine.GetSessionStats(session))), ct).ConfigureAwait(false);
        return await tcs.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    private async Task ConnectProviderAsync(PeerId peer, CancellationToken ct)
    {
        if (peer.Equals(LocalPeer)) return;
        try
        {
            await _network.ConnectAsync(peer, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || ct.IsCancellationRequested)
        {
            // Unreachable or slow: the session starts with the providers it could reach.
        }
    }

    /// <summary>Hands the session's deliveries to its callers until the session is closed or Bitswap stops.</summary>
    private static async Task PumpAsync(SessionWaiter waiter, BitswapSession session)
    {
        try
        {
            await foreach (var block in waiter.Blocks!.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                session.OnDelivered(block);
            session.OnEnded(new ObjectDisposedException(nameof(BitswapSession)));
        }
        catch (Exception e)
        {
            session.OnEnded(e);
        }
    }

    internal ValueTask WantInSessionAsync(long session, Cid cid, CancellationToken ct) =>
        PostAsync(new QueryInput(() => _engine.WantBlocks(session, [cid], Now)), ct);

    internal void CancelInSession(long session, Cid cid) =>
        Post(new QueryInput(() => _engine.CancelWants(session, [cid], Now)));

    /// <summary>Closes the core session and ends its pump (also when Bitswap is already stopped).</summary>
    internal void CloseSessionOf(long session)
    {
        // Once Bitswap is disposed its loop has failed every waiter, which ended the pump already.
        if (_disposed == 0) Post(new QueryInput(Close));

        void Close()
        {
            if (!_waiters.Remove(session, out var w)) return;
            _engine.CloseSession(session, Now);
            w.Blocks!.Writer.TryComplete();
        }
    }
}
