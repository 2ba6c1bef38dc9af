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
}
