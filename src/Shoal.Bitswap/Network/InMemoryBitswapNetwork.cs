using System.Buffers;
using System.Threading.Channels;
using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>One node's end of an <see cref="InMemoryBitswapHub"/>. Messages are framed and decoded with the
/// real codec, delivered in order per sender by one receive loop per endpoint.</summary>
public sealed class InMemoryBitswapNetwork : IBitswapNetwork
{
    /// <summary>Frames waiting at a receiver before senders wait: a few messages of backpressure, like a stream window.</summary>
    private const int InboxCapacity = 64;

    private readonly InMemoryBitswapHub _hub;
    private readonly Channel<(PeerId From, byte[] Frame)> _inbox =
        Channel.CreateBounded<(PeerId, byte[])>(new BoundedChannelOptions(InboxCapacity) { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private IBitswapNetworkListener? _listener;
    private Task? _receiveLoop;

    private readonly double _uploadBytesPerSecond;
    private readonly SemaphoreSlim _uplink = new(1, 1);

    internal InMemoryBitswapNetwork(InMemoryBitswapHub hub, PeerId peer, BitswapProtocolVersion version, double uploadBytesPerSecond)
    {
        _hub = hub;
        _uploadBytesPerSecond = uploadBytesPerSecond;
        LocalPeer = peer;
        Version = version;
    }

    public PeerId LocalPeer { get; }

    public BitswapProtocolVersion Version { get; }

    private long _bytesSent;

    /// <summary>Framed bytes this endpoint has sent (upload).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public void Start(IBitswapNetworkListener listener)
    {
        if (_listener is not null) throw new InvalidOperationException("already started");
        _listener = listener;
        _receiveLoop = ReceiveLoopAsync(_stop.Token);
    }

    public async ValueTask SendMessageAsync(PeerId peer, BitswapMessage message, CancellationToken ct = default)
    {
        if (!_hub.TryGetLinked(LocalPeer, peer, out var to)) throw new IOException($"not connected to {peer}");
        var version = (BitswapProtocolVersion)Math.Min((int)Version, (int)to.Version);
        var frame = BitswapMessageCodec.EncodeFramed(message, version);
        Interlocked.Add(ref _bytesSent, frame.Length);
        if (_uploadBytesPerSecond > 0)
        {
            await _uplink.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(frame.Length / _uploadBytesPerSecond), ct).ConfigureAwait(false);
            }
            finally
            {
                _uplink.Release();
            }
        }
        await to._inbox.Writer.WriteAsync((LocalPeer, frame), ct).ConfigureAwait(false);
    }

    public Task ConnectAsync(PeerId peer, CancellationToken ct = default)
    {
        if (!_hub.Exists(peer)) throw new IOException($"no endpoint {peer} on this hub");
        _hub.Connect(LocalPeer, peer);
        return Task.CompletedTask;
    }

    public ValueTask DisconnectAsync(PeerId peer, CancellationToken ct = default)
    {
        _hub.Disconnect(LocalPeer, peer);
        return ValueTask.CompletedTask;
    }

    internal void RaiseConnected(PeerId peer, BitswapProtocolVersion version) => _listener?.OnPeerConnected(peer, version);

    internal void RaiseDisconnected(PeerId peer) => _listener?.OnPeerDisconnected(peer);

    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var (from, frame) in _inbox.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var seq = new ReadOnlySequence<byte>(frame);
                if (!BitswapMessageCodec.TryReadFrame(ref seq, out var body)) continue;
                BitswapMessage msg;
                try
                {
                    msg = BitswapMessageCodec.Decode(body);
                }
                catch (BitswapProtocolException)
                {
                    _hub.Disconnect(LocalPeer, from);
                    continue;
                }
                if (!_hub.TryGetLinked(LocalPeer, from, out _)) continue;
                await _listener!.OnMessageReceivedAsync(from, msg, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _hub.Remove(LocalPeer);
        _stop.Cancel();
        _inbox.Writer.TryComplete();
        if (_receiveLoop is not null) await _receiveLoop.ConfigureAwait(false);
        _stop.Dispose();
        _uplink.Dispose();
    }
}
