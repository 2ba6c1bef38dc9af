using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Net.Tests;

public class TcpTransportTests
{
    [Fact]
    public async Task A_send_to_a_reset_connection_fails_as_an_IOException_that_the_layers_above_handle()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var transport = new TcpTransport();
        await using var connection = await transport.DialAsync(Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{port}")).WithTimeout();
        using (var remote = await listener.AcceptSocketAsync().WithTimeout())
        {
            remote.LingerState = new LingerOption(true, 0); // close with RST, as a crashed or aborting peer does
            remote.Close();
        }

        var chunk = new byte[64 * 1024];
        Exception? failure = null;
        for (int i = 0; i < 1000 && failure is null; i++)
        {
            try
            {
                var flush = await connection.Output.WriteAsync(chunk).AsTask().WithTimeout();
                if (flush.IsCompleted) break;
            }
            catch (Exception e) { failure = e; }
        }

        // Before the fix the pipe carried a raw SocketException, which the Noise pump did not expect: it faulted,
        // and the host never raised PeerDisconnected for the connection.
        Assert.NotNull(failure);
        Assert.IsAssignableFrom<IOException>(failure);
    }

    [Fact]
    public async Task Bytes_queued_in_many_pieces_arrive_whole_and_in_order()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var transport = new TcpTransport();
        await using var connection = await transport.DialAsync(Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{port}")).WithTimeout();
        using var remote = await listener.AcceptSocketAsync().WithTimeout();

        // Many writes before one flush: the send pump hands the kernel several pipe segments in one gathered send.
        var data = new byte[4 * 1024 * 1024 + 3];
        new Random(11).NextBytes(data);
        var random = new Random(12);
        var writing = Task.Run(async () =>
        {
            for (int offset = 0; offset < data.Length;)
            {
                int batch = Math.Min(data.Length - offset, random.Next(1, 700_000));
                for (int end = offset + batch; offset < end;)
                {
                    int n = Math.Min(end - offset, random.Next(1, 70_000));
                    connection.Output.Write(data.AsSpan(offset, n));
                    offset += n;
                }
                await connection.Output.FlushAsync();
            }
        });

        var received = new byte[data.Length];
        int got = 0;
        while (got < received.Length)
        {
            int n = await remote.ReceiveAsync(received.AsMemory(got), SocketFlags.None).AsTask().WithTimeout();
            Assert.NotEqual(0, n);
            got += n;
        }
        await writing.WithTimeout();
        Assert.Equal(data, received);
    }
}
