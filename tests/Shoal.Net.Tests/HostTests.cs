using System.Security.Cryptography;

namespace Shoal.Net.Tests;

public class HostTests
{
    public static TheoryData<string> Transports => new() { "tcp", "memory" };

    private static async Task<(P2pHost A, P2pHost B)> PairAsync(string transport, Action<P2pHost>? configureB = null)
    {
        if (transport == "tcp") return (await TestHosts.StartTcpAsync(), await TestHosts.StartTcpAsync(configure: configureB));
        var network = new MemoryNetwork();
        return (await TestHosts.StartMemoryAsync(network), await TestHosts.StartMemoryAsync(network, configure: configureB));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Two_hosts_connect_ping_and_identify_each_other(string transport)
    {
        var (a, b) = await PairAsync(transport);
        await using var _a = a;
        await using var _b = b;
        var identified = new TaskCompletionSource<IdentifyResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.PeerIdentified += (peer, r) => { if (peer == b.LocalPeer) identified.TrySetResult(r); };

        var peer = await a.ConnectAsync(TestHosts.AddressOf(b)).WithTimeout();
        Assert.Equal(b.LocalPeer, peer);

        var rtts = await PingService.PingAsync(a, b.LocalPeer, 3).WithTimeout();
        Assert.Equal(3, rtts.Count);

        var result = await IdentifyService.IdentifyAsync(a, b.LocalPeer).WithTimeout();
        Assert.Equal(b.LocalPeer, result.PeerId);
        Assert.Equal("shoal/0.1.0", result.AgentVersion);
        Assert.Contains(PingService.ProtocolId, result.Protocols);
        Assert.Contains(b.ListenAddresses[0], result.ListenAddresses);

        var onConnect = await identified.Task.WithTimeout();
        var info = a.GetPeerInfo(b.LocalPeer);
        Assert.NotNull(info);
        Assert.Contains(IdentifyService.ProtocolId, info!.Protocols);
        Assert.Equal(onConnect.AgentVersion, info.AgentVersion);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Several_mebibytes_flow_both_ways_on_one_stream(string transport)
    {
        var (a, b) = await PairAsync(transport, h => h.SetStreamHandler("/test/echo", TestHosts.EchoAsync));
        await using var _a = a;
        await using var _b = b;
        await a.ConnectAsync(TestHosts.AddressOf(b)).WithTimeout();
        var data = RandomNumberGenerator.GetBytes(6 * 1024 * 1024); // far beyond the 256 KiB initial window
        var stream = await a.OpenStreamAsync(b.LocalPeer, ["/test/echo"]).WithTimeout();
        await using var _s = stream;
        var reading = TestHosts.ReadToEndAsync(stream.Input, CancellationToken.None);
        for (int offset = 0; offset < data.Length; offset += 100_000)
            await stream.Output.WriteAsync(data.AsMemory(offset, Math.Min(100_000, data.Length - offset)));
        await stream.CloseWriteAsync();
        var echoed = await reading.WithTimeout();
        Assert.Equal(data.Length, echoed.Length);
        Assert.True(data.AsSpan().SequenceEqual(echoed));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Hundred_concurrent_streams_each_echo_their_own_bytes(string transport)
    {
        var (a, b) = await PairAsync(transport, h => h.SetStreamHandler("/test/echo", TestHosts.EchoAsync));
        await using var _a = a;
        await using var _b = b;
        await a.ConnectAsync(TestHosts.AddressOf(b)).WithTimeout();
        var tasks = Enumerable.Range(0, 100).Select(async i =>
        {
            var data = RandomNumberGenerator.GetBytes(64 * 1024 + i);
            await using var stream = await a.OpenStreamAsync(b.LocalPeer, ["/test/echo"]);
            var reading = TestHosts.ReadToEndAsync(stream.Input, CancellationToken.None);
            await stream.Output.WriteAsync(data);
            await stream.CloseWriteAsync();
            var echoed = await reading;
            Assert.True(data.AsSpan().SequenceEqual(echoed));
        });
        await Task.WhenAll(tasks).WithTimeout();
    }

    [Fact]
    public async Task Dialling_with_the_wrong_peer_id_fails_the_handshake()
    {
        await using var a = await TestHosts.StartTcpAsync();
        await using var b = await TestHosts.StartTcpAsync();
        var impostor = Identity.Generate().PeerId;
        var address = b.ListenAddresses[0].WithPeerId(impostor);
        var error = await Assert.ThrowsAsync<NoiseException>(() => a.ConnectAsync(address).WithTimeout());
        Assert.Contains(b.LocalPeer.ToString(), error.Message);
        Assert.Empty(a.ConnectedPeers);
    }

    [Fact]
    public async Task Unsupported_protocol_is_refused_and_the_connection_survives()
    {
        var network = new MemoryNetwork();
        await using var a = await TestHosts.StartMemoryAsync(network);
        await using var b = await TestHosts.StartMemoryAsync(network);
        await a.ConnectAsync(TestHosts.AddressOf(b)).WithTimeout();
        var error = await Assert.ThrowsAsync<MultistreamException>(() => a.OpenStreamAsync(b.LocalPeer, ["/nope/1.0.0", "/nope/2.0.0"]).WithTimeout());
        Assert.True(error.NotSupported);
        Assert.Single(await PingService.PingAsync(a, b.LocalPeer, 1).WithTimeout());
    }

    [Fact]
    public async Task Connect_events_fire_and_disposing_a_host_disconnects_its_peer()
    {
        var network = new MemoryNetwork();
        await using var a = await TestHosts.StartMemoryAsync(network);
        var b = await TestHosts.StartMemoryAsync(network);
        var connected = new TaskCompletionSource<PeerId>(TaskCreationOptions.RunContinuationsAsynchronously);
        var disconnected = new TaskCompletionSource<PeerId>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.PeerConnected += p => connected.TrySetResult(p);
        a.PeerDisconnected += p => disconnected.TrySetResult(p);
        await a.ConnectAsync(TestHosts.AddressOf(b)).WithTimeout();
        Assert.Equal(a.LocalPeer, await connected.Task.WithTimeout());
        await b.DisposeAsync();
        Assert.Equal(b.LocalPeer, await disconnected.Task.WithTimeout());
        Assert.Empty(a.ConnectedPeers);
    }

    [Fact]
    public async Task Simultaneous_dials_leave_one_connection_per_peer()
    {
        var network = new MemoryNetwork();
        await using var a = await TestHosts.StartMemoryAsync(network);
        await using var b = await TestHosts.StartMemoryAsync(network);
        var dials = new List<Task>();
        for (int i = 0; i < 5; i++)
        {
            dials.Add(a.ConnectAsync(TestHosts.AddressOf(b)));
            dials.Add(b.ConnectAsync(TestHosts.AddressOf(a)));
        }
        await Task.WhenAll(dials).WithTimeout();
        Assert.Equal([b.LocalPeer], a.ConnectedPeers);
        Assert.Equal([a.LocalPeer], b.ConnectedPeers);
        // Both sides picked the same connection: a stream opened now works.
        Assert.Single(await PingService.PingAsync(a, b.LocalPeer, 1).WithTimeout());
        Assert.Single(await PingService.PingAsync(b, a.LocalPeer, 1).WithTimeout());
    }

    [Fact]
    public async Task Open_stream_dials_a_peer_known_only_by_address()
    {
        var network = new MemoryNetwork();
        await using var a = await TestHosts.StartMemoryAsync(network);
        await using var b = await TestHosts.StartMemoryAsync(network);
        a.AddAddresses(b.LocalPeer, b.ListenAddresses);
        Assert.Single(await PingService.PingAsync(a, b.LocalPeer, 1).WithTimeout());
        Assert.Contains(b.LocalPeer, a.ConnectedPeers);
    }

    [Fact]
    public async Task New_handlers_are_pushed_to_connected_peers_with_identify_push()
    {
        var network = new MemoryNetwork();
        await using var a = await TestHosts.StartMemoryAsync(network);
        await using var b = await TestHosts.StartMemoryAsync(network);
        var aKnowsB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bKnowsA = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pushed = new TaskCompletionSource<IdentifyResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.PeerIdentified += (p, _) => { if (p == b.LocalPeer) aKnowsB.TrySetResult(); };
        b.PeerIdentified += (p, r) =>
        {
            if (p != a.LocalPeer) return;
            bKnowsA.TrySetResult();
            if (r.Protocols.Contains("/new/1.0.0")) pushed.TrySetResult(r);
        };
        await a.ConnectAsync(TestHosts.AddressOf(b)).WithTimeout();
        await Task.WhenAll(aKnowsB.Task, bKnowsA.Task).WithTimeout();

        a.SetStreamHandler("/new/1.0.0", (s, ct) => Task.CompletedTask);
        await pushed.Task.WithTimeout();
        Assert.Contains("/new/1.0.0", b.GetPeerInfo(a.LocalPeer)!.Protocols);
    }

    [Fact]
    public async Task A_host_listens_on_several_addresses_with_port_zero_resolved()
    {
        await using var host = new P2pHost(new HostOptions
        {
            ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"), Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], // IPv6 may be off in CI containers
        });
        await host.StartAsync();
        Assert.Equal(2, host.ListenAddresses.Count);
        Assert.All(host.ListenAddresses, a => Assert.NotEqual(0, a.ToTcpEndPoint()!.Port));
        Assert.NotEqual(host.ListenAddresses[0], host.ListenAddresses[1]);
        await using var dialer = await TestHosts.StartTcpAsync();
        foreach (var address in host.ListenAddresses)
        {
            Assert.Equal(host.LocalPeer, await dialer.ConnectAsync(address).WithTimeout());
            await dialer.DisconnectAsync(host.LocalPeer);
        }
    }

    [Fact]
    public async Task Inbound_connections_beyond_the_limit_are_refused()
    {
        var network = new MemoryNetwork();
        await using var server = new P2pHost(new HostOptions
        {
            Transports = [new MemoryTransport(network)],
            ListenAddresses = [Multiaddr.Parse("/memory/0")],
            MaxConnections = 1,
        });
        await server.StartAsync();
        await using var first = await TestHosts.StartMemoryAsync(network);
        await using var second = await TestHosts.StartMemoryAsync(network);
        await first.ConnectAsync(TestHosts.AddressOf(server)).WithTimeout();
        await Assert.ThrowsAnyAsync<IOException>(() => second.ConnectAsync(TestHosts.AddressOf(server)).WithTimeout());
        Assert.Equal([first.LocalPeer], server.ConnectedPeers);
    }
}
