using Shoal.Dht.Wire;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// Sends DHT requests over libp2p streams with a deadline each. A stream that carried a successful exchange is kept
/// (one per peer) and reused for the next request, as go does; if a reused stream turns out dead, the request is
/// retried once on a fresh one.
/// </summary>
internal sealed class DhtMessenger : IAsyncDisposable
{
    /// <summary>Idle reused streams older than this are closed: js resets inbound DHT streams after 10 s idle.</summary>
    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(5);

    private readonly IP2pHost _host;
    private readonly string[] _protocols;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly Dictionary<PeerId, (IP2pStream Stream, DateTimeOffset IdleSince)> _idle = new();
    private readonly Lock _gate = new();
    private readonly TaskOwner _closing = new();

    public DhtMessenger(IP2pHost host, string protocol, TimeSpan timeout, TimeProvider time)
    {
        _host = host;
        _protocols = [protocol];
        _timeout = timeout;
        _time = time;
    }

    /// <summary>Sends <paramref name="request"/> and returns the answer of the same type.</summary>
    public async Task<DhtMessage> SendRequestAsync(PeerId peer, DhtMessage request, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_timeout);
        try
        {
            var reused = TakeIdle(peer);
            if (reused is not null)
            {
                try
                {
                    return await ExchangeAsync(peer, reused, request, deadline.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or DhtProtocolException or InvalidOperationException && !deadline.IsCancellationRequested)
                {
                    // The remote closed the idle stream meanwhile; try a fresh one below.
                }
            }
            var stream = await _host.OpenStreamAsync(peer, _protocols, deadline.Token).ConfigureAwait(false);
            return await ExchangeAsync(peer, stream, request, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{request.Type} to {peer} got no answer within {_timeout.TotalSeconds:F0} s.");
        }
    }

    private async Task<DhtMessage> ExchangeAsync(PeerId peer, IP2pStream stream, DhtMessage request, CancellationToken ct)
    {
        bool keep = false;
        try
        {
            await DhtStreamIO.WriteAsync(stream.Output, request, ct).ConfigureAwait(false);
            var response = await DhtStreamIO.ReadAsync(stream.Input, ct).ConfigureAwait(false)
                ?? throw new IOException($"{peer} closed the DHT stream without answering {request.Type}.");
            if (response.Type != request.Type)
            {
                throw new DhtProtocolException($"{peer} answered {request.Type} with {response.Type}.");
            }
            keep = true;
            return response;
        }
        finally
        {
            if (keep)
            {
                ReturnIdle(peer, stream);
            }
            else
            {
                stream.Reset();
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends a message that gets no answer (ADD_PROVIDER) on a fresh stream, then closes it.</summary>
    public async Task SendMessageAsync(PeerId peer, DhtMessage message, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_timeout);
        IP2pStream? stream = null;
        try
        {
            stream = await _host.OpenStreamAsync(peer, _protocols, deadline.Token).ConfigureAwait(false);
            await DhtStreamIO.WriteAsync(stream.Output, message, deadline.Token).ConfigureAwait(false);
            await stream.CloseWriteAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            stream?.Reset();
            throw new TimeoutException($"{message.Type} to {peer} not delivered within {_timeout.TotalSeconds:F0} s.");
        }
        catch
        {
            stream?.Reset();
            throw;
        }
        finally
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private IP2pStream? TakeIdle(PeerId peer)
    {
        lock (_gate)
        {
            if (!_idle.Remove(peer, out var entry)) return null;
            if (_time.GetUtcNow() - entry.IdleSince < MaxIdle) return entry.Stream;
            _closing.Run(() => DisposeQuietly(entry.Stream));
            return null;
        }
    }

    private void ReturnIdle(PeerId peer, IP2pStream stream)
    {
        IP2pStream? surplus = stream;
        lock (_gate)
        {
            if (!_idle.ContainsKey(peer))
            {
                _idle[peer] = (stream, _time.GetUtcNow());
                surplus = null;
            }
        }
        if (surplus is not null) _closing.Run(() => DisposeQuietly(surplus));
    }

    /// <summary>Closes idle streams past their useful life, and those of a peer that disconnected.</summary>
    public void Prune(PeerId? disconnected = null)
    {
        var now = _time.GetUtcNow();
        List<IP2pStream>? closing = null;
        lock (_gate)
        {
            foreach (var (peer, entry) in _idle)
            {
                if (peer.Equals(disconnected) || now - entry.IdleSince >= MaxIdle)
                {
                    (closing ??= new()).Add(entry.Stream);
                    _idle.Remove(peer);
                }
            }
        }
        if (closing is null) return;
        foreach (var stream in closing) _closing.Run(() => DisposeQuietly(stream));
    }

    private static async Task DisposeQuietly(IP2pStream stream)
    {
        try
        {
            await stream.CloseWriteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<IP2pStream> all;
        lock (_gate)
        {
            all = _idle.Values.Select(e => e.Stream).ToList();
            _idle.Clear();
        }
        foreach (var stream in all)
        {
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
        }
        await _closing.DrainAsync().ConfigureAwait(false);
    }
}
