using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Shoal.Net;

/// <summary>
/// An in-process hub that <see cref="MemoryTransport"/>s share: hosts listen on <c>/memory/N</c> (N = 0 picks a fresh id)
/// and dial each other through pipe pairs, with Noise and Yamux running on top exactly as over TCP.
/// </summary>
public sealed class MemoryNetwork
{
    /// <summary>Unaccepted connections a listener may queue before dialers wait.</summary>
    private const int AcceptQueueCapacity = 256;

    private readonly ConcurrentDictionary<ulong, MemoryListener> _listeners = new();
    private long _nextId;
    private long _nextDialerId = 1L << 62; // ephemeral "ports" for dialers, far from listener ids

    internal ITransportListener Listen(ulong requestedId)
    {
        ulong id = requestedId == 0 ? (ulong)Interlocked.Increment(ref _nextId) : requestedId;
        var listener = new MemoryListener(this, id);
        if (!_listeners.TryAdd(id, listener)) throw new InvalidOperationException($"/memory/{id} is already listening.");
        return listener;
    }

    internal async Task<ITransportConnection> DialAsync(ulong id, CancellationToken cancellationToken)
    {
        if (!_listeners.TryGetValue(id, out var listener)) throw new IOException($"Connection refused: nothing listens on /memory/{id}.");
        var local = MemoryAddress((ulong)Interlocked.Increment(ref _nextDialerId));
        var (dialerEnd, listenerEnd) = MemoryConnection.CreatePair(local, listener.ListenAddress);
        try
        {
            await listener.Queue.Writer.WriteAsync(listenerEnd, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            await dialerEnd.DisposeAsync().ConfigureAwait(false);
            await listenerEnd.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"Connection refused: /memory/{id} closed.");
        }
        return dialerEnd;
    }

    internal static Multiaddr MemoryAddress(ulong id)
    {
        var value = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(value, id);
        return Multiaddr.Create([new MultiaddrComponent(MultiaddrProtocol.Memory, value)]);
    }

    private sealed class MemoryListener(MemoryNetwork network, ulong id) : ITransportListener
    {
        public Channel<ITransportConnection> Queue { get; } = Channel.CreateBounded<ITransportConnection>(AcceptQueueCapacity);
        public Multiaddr ListenAddress { get; } = MemoryAddress(id);

        public ValueTask<ITransportConnection> AcceptAsync(CancellationToken cancellationToken = default) => Queue.Reader.ReadAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            network._listeners.TryRemove(id, out _);
            Queue.Writer.TryComplete();
            while (Queue.Reader.TryRead(out var pending)) await pending.DisposeAsync().ConfigureAwait(false);
        }
    }
}
