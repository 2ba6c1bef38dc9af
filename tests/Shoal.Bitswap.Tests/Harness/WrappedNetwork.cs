using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

/// <summary>An in-memory network endpoint a test wraps to change what sending looks like (failures, a send queue).</summary>
internal abstract class WrappedNetwork(InMemoryBitswapNetwork inner) : IBitswapNetwork
{
    public PeerId LocalPeer => inner.LocalPeer;
    public void Start(IBitswapNetworkListener listener) => inner.Start(listener);
    public Task ConnectAsync(PeerId peer, CancellationToken ct = default) => inner.ConnectAsync(peer, ct);
    public ValueTask DisconnectAsync(PeerId peer, CancellationToken ct = default) => inner.DisconnectAsync(peer, ct);
    public ValueTask DisposeAsync() => inner.DisposeAsync();
    public virtual SendQueueState? SendQueue(PeerId peer) => null;
    public virtual ValueTask SendMessageAsync(PeerId peer, BitswapMessage message, CancellationToken ct = default) => inner.SendMessageAsync(peer, message, ct);
}

/// <summary>A seeder on a wrapped network holding an imported file, and a leecher on the plain hub; started and connected.</summary>
internal sealed class WrappedPair(WrappedNetwork seederNetwork, InMemoryBitswapNetwork leecherNetwork, Bitswap seeder, Bitswap leecher,
    UnixFsImportResult imported) : IAsyncDisposable
{
    public WrappedNetwork SeederNetwork => seederNetwork;
    public Bitswap Leecher => leecher;
    public UnixFsImportResult Imported => imported;

    public static async Task<WrappedPair> StartAsync(Func<InMemoryBitswapNetwork, WrappedNetwork> wrap, BitswapOptions options, int fileBytes, int seed)
    {
        var hub = new InMemoryBitswapHub();
        var seederStore = new MemoryBlockStore();
        var imported = await UnixFsImporter.ImportAsync(TestDags.RandomBytes(fileBytes, seed), seederStore, UnixFsImportOptions.KuboV1);
        var seederNetwork = wrap(hub.CreateEndpoint(SimNet.MakePeerId("seeder")));
        var leecherNetwork = hub.CreateEndpoint(SimNet.MakePeerId("leecher"));
        var seeder = new Bitswap(seederNetwork, seederStore, options);
        var leecher = new Bitswap(leecherNetwork, new MemoryBlockStore(), options);
        seeder.Start();
        leecher.Start();
        hub.Connect(seederNetwork.LocalPeer, leecherNetwork.LocalPeer);
        return new WrappedPair(seederNetwork, leecherNetwork, seeder, leecher, imported);
    }

    public async ValueTask DisposeAsync()
    {
        await leecher.DisposeAsync();
        await seeder.DisposeAsync();
        await leecherNetwork.DisposeAsync();
        await seederNetwork.DisposeAsync();
    }
}
