using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

/// <summary>Bitswap over real libp2p hosts (memory transport: Noise, Yamux, multistream as on TCP), including
/// peers that misbehave on the wire.</summary>
public class Libp2pNetworkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private sealed class Peer : IAsyncDisposable
    {
        public P2pHost Host = null!;
        public Libp2pBitswapNetwork Network = null!;
        public Bitswap Bitswap = null!;
        public MemoryBlockStore Store = new();

        public static async Task<Peer> StartAsync(MemoryNetwork net)
        {
            var p = new Peer();
            p.Host = new P2pHost(new HostOptions { Transports = [new MemoryTransport(net)], ListenAddresses = [Multiaddr.Parse("/memory/0")] });
            await p.Host.StartAsync();
            p.Network = new Libp2pBitswapNetwork(p.Host);
            p.Bitswap = new Bitswap(p.Network, p.Store, BitswapOptions.For(BitswapStrategy.Shoal));
            p.Bitswap.Start();
            return p;
        }

        public Multiaddr Address => Host.ListenAddresses[0].WithPeerId(Host.LocalPeer);

        public async ValueTask DisposeAsync()
        {
            await Bitswap.DisposeAsync();
            await Network.DisposeAsync();
            await Host.DisposeAsync();
        }
    }

    /// <summary>Writes what the server is expected to reject. The server may reset the stream before the write's
    /// flush returns (it rejects as soon as it has read enough, while our flush still waits on flow control), so a
    /// reset surfacing here is an accepted outcome; the caller then checks the stream was reset.</summary>
    private static async Task WriteExpectingResetAsync(IP2pStream stream, ReadOnlyMemory<byte> data)
    {
        try { await stream.Output.WriteAsync(data); }
        catch (StreamResetException) { }
    }

    private static async Task<bool> IsResetAsync(IP2pStream stream)
    {
        try
        {
            while (true)
            {
                var r = await stream.Input.ReadAsync().AsTask().WaitAsync(Timeout);
                stream.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted) return true;
            }
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            return true; // reset: Yamux reports it as an exception on read
        }
    }

    [Fact]
    public async Task A_new_bitswap_peer_is_pinged_and_the_path_round_trip_reaches_the_engine_on_both_sides()
    {
        var net = new MemoryNetwork();
        await using var a = await Peer.StartAsync(net);
        await using var b = await Peer.StartAsync(net);
        await b.Host.ConnectAsync(a.Address);
        var deadline = DateTime.UtcNow + Timeout;
        TimeSpan? fromB = null, fromA = null;
        while (DateTime.UtcNow < deadline)
        {
            fromB = await b.Bitswap.GetPathRoundTripAsync(a.Host.LocalPeer);
            fromA = await a.Bitswap.GetPathRoundTripAsync(b.Host.LocalPeer);
            if (fromA is not null && fromB is not null) break;
            await Task.Delay(10);
        }
        Assert.NotNull(fromB);
        Assert.NotNull(fromA);
        Assert.InRange(fromB.Value, TimeSpan.FromTicks(1), Timeout);
    }

    [Fact]
    public async Task Fetches_a_dag_over_libp2p_streams()
    {
        var net = new MemoryNetwork();
        await using var seeder = await Peer.StartAsync(net);
        await using var leecher = await Peer.StartAsync(net);
        var content = TestDags.RandomBytes(6 * 1024 * 1024, 41);
        var imported = await UnixFsImporter.ImportAsync(content, seeder.Store, UnixFsImportOptions.KuboV1);
        await leecher.Host.ConnectAsync(seeder.Address);
        await leecher.Bitswap.FetchDagAsync(imported.Root).WaitAsync(Timeout);
        var output = new MemoryStream();
        await new UnixFsReader(leecher.Store).CopyToAsync(imported.Root, output);
        Assert.Equal(content, output.ToArray());
    }

    [Fact]
    public async Task Garbage_oversized_and_flooding_streams_are_reset_while_other_transfers_go_on()
    {
        var net = new MemoryNetwork();
        await using var seeder = await Peer.StartAsync(net);
        await using var leecher = await Peer.StartAsync(net);
        await using var attacker = new P2pHost(new HostOptions { Transports = [new MemoryTransport(net)], ListenAddresses = [Multiaddr.Parse("/memory/0")] });
        await attacker.StartAsync();
        var content = TestDags.RandomBytes(8 * 1024 * 1024, 42);
        var imported = await UnixFsImporter.ImportAsync(content, seeder.Store, UnixFsImportOptions.KuboV1);
        await leecher.Host.ConnectAsync(seeder.Address);
        await attacker.ConnectAsync(seeder.Address);
        var fetch = leecher.Bitswap.FetchDagAsync(imported.Root);

        // 1. A length prefix announcing a 10 MiB message, and the start of its body: the server resets the stream as
        // soon as it reads the prefix; the attacker has no way to know when the reset comes (see WriteExpectingResetAsync).
        var big = await attacker.OpenStreamAsync(seeder.Host.LocalPeer, [BitswapProtocolIds.V120]);
        var announce = new byte[Varint.MaxLength + 64 * 1024];
        int n = Varint.Write(announce, 10 * 1024 * 1024);
        await WriteExpectingResetAsync(big, announce.AsMemory(0, n + 64 * 1024));
        Assert.True(await IsResetAsync(big));

        // 2. Random bytes.
        var noise = await attacker.OpenStreamAsync(seeder.Host.LocalPeer, [BitswapProtocolIds.V120]);
        var junk = TestDags.RandomBytes(4096, 43);
        junk[0] = 0x80; junk[1] = 0x08; // a plausible 1 KiB length, then protobuf garbage
        await WriteExpectingResetAsync(noise, junk);
        Assert.True(await IsResetAsync(noise));

        // 3. A wantlist far over the entry limit.
        var flood = await attacker.OpenStreamAsync(seeder.Host.LocalPeer, [BitswapProtocolIds.V120]);
        var msg = new BitswapMessage();
        var cid = Block.Compute(TestDags.RandomBytes(8, 44)).Cid;
        for (int i = 0; i < 70_000; i++) msg.Wantlist.Add(WantlistEntry.Want(cid, 1, WantType.Block, true));
        await WriteExpectingResetAsync(flood, BitswapMessageCodec.EncodeFramed(msg));
        Assert.True(await IsResetAsync(flood));

        await fetch.WaitAsync(Timeout);
        var output = new MemoryStream();
        await new UnixFsReader(leecher.Store).CopyToAsync(imported.Root, output);
        Assert.Equal(content, output.ToArray());
    }

    [Fact]
    public async Task A_peer_pushing_blocks_nobody_asked_for_is_dropped()
    {
        var net = new MemoryNetwork();
        await using var victim = await Peer.StartAsync(net);
        await using var liar = new P2pHost(new HostOptions { Transports = [new MemoryTransport(net)], ListenAddresses = [Multiaddr.Parse("/memory/0")] });
        await liar.StartAsync();
        await liar.ConnectAsync(victim.Address);
        var stream = await liar.OpenStreamAsync(victim.Host.LocalPeer, [BitswapProtocolIds.V120]);
        for (int i = 0; i < 40; i++)
        {
            var m = new BitswapMessage();
            m.Blocks.Add(Block.Compute(TestDags.RandomBytes(1000, 500 + i)));
            // The victim may reset the stream before the last of these is written.
            await WriteExpectingResetAsync(stream, BitswapMessageCodec.EncodeFramed(m));
        }
        Assert.True(await IsResetAsync(stream));
        Assert.Equal(0, victim.Store.Count);
        Assert.True(victim.Bitswap.Stats.UnwantedBlocksReceived > BitswapDefaults.MaxUnsolicitedBlocksPerPeer);
    }
}
