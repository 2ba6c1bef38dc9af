using System.IO.Pipelines;

namespace Shoal.Net.Tests;

internal static class TestHosts
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static async Task<P2pHost> StartTcpAsync(Identity? identity = null, Action<P2pHost>? configure = null)
    {
        var host = new P2pHost(new HostOptions
        {
            Identity = identity ?? Identity.Generate(),
            ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
        });
        configure?.Invoke(host);
        await host.StartAsync();
        return host;
    }

    public static async Task<P2pHost> StartMemoryAsync(MemoryNetwork network, Identity? identity = null, Action<P2pHost>? configure = null)
    {
        var host = new P2pHost(new HostOptions
        {
            Identity = identity ?? Identity.Generate(),
            Transports = [new MemoryTransport(network)],
            ListenAddresses = [Multiaddr.Parse("/memory/0")],
        });
        configure?.Invoke(host);
        await host.StartAsync();
        return host;
    }

    public static Multiaddr AddressOf(P2pHost host) => host.ListenAddresses[0].WithPeerId(host.LocalPeer);

    /// <summary>Echo handler: copies input to output until the peer half-closes.</summary>
    public static async Task EchoAsync(IP2pStream stream, CancellationToken ct)
    {
        while (true)
        {
            var result = await stream.Input.ReadAsync(ct);
            foreach (var segment in result.Buffer) await stream.Output.WriteAsync(segment, ct);
            stream.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        await stream.CloseWriteAsync(ct);
    }

    public static async Task<byte[]> ReadToEndAsync(PipeReader reader, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            foreach (var segment in result.Buffer) ms.Write(segment.Span);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        return ms.ToArray();
    }

    public static async Task<T> WithTimeout<T>(this Task<T> task) => await task.WaitAsync(Timeout);
    public static async Task WithTimeout(this Task task) => await task.WaitAsync(Timeout);
}
