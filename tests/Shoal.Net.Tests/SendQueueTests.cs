using System.Net;
using System.Net.Sockets;

namespace Shoal.Net.Tests;

public class SendQueueTests
{
    [Fact]
    public async Task A_tcp_connection_tells_bytes_handed_to_the_kernel_from_bytes_that_left_the_host()
    {
        Assert.True(OperatingSystem.IsLinux(), "SIOCOUTQNSD is Linux's; the daemons and the Lab run there");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var connection = (SocketConnection)await new TcpTransport().DialAsync(Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{port}")).WithTimeout();
        using var remote = await listener.AcceptSocketAsync().WithTimeout();
        remote.ReceiveBufferSize = 64 * 1024; // a reader that does not read: the sender's kernel queue fills up

        var start = connection.SendQueue;
        Assert.NotNull(start);
        Assert.Equal(new SendQueueState(0, 0), start);

        // More than the receiver's window: the rest stays in our send buffer, handed to the kernel but not sent.
        var chunk = new byte[256 * 1024];
        long written = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        SendQueueState state;
        Task? pending = null;
        while (true)
        {
            var flush = connection.Output.WriteAsync(chunk).AsTask();
            written += chunk.Length;
            if (await Task.WhenAny(flush, Task.Delay(200)) != flush) pending = flush; // the pipe is full: the kernel's queue is
            state = connection.SendQueue!.Value;
            if (state.Unsent > 0 || pending is not null) break;
            Assert.True(DateTime.UtcNow < deadline, $"the kernel never held unsent bytes ({state})");
        }
        state = connection.SendQueue!.Value;
        Assert.True(state.Unsent > 0, $"the kernel holds unsent bytes ({state})");
        Assert.True(state.Written <= written);
        Assert.True(state.Written - state.Unsent < state.Written, "some handed-over bytes have not left");

        // The reader drains everything: every byte handed to the kernel leaves it.
        var buffer = new byte[1 << 20];
        long received = 0;
        while (true)
        {
            while (remote.Available > 0 || received < state.Written)
            {
                int n = await remote.ReceiveAsync(buffer, SocketFlags.None).WithTimeout();
                Assert.True(n > 0);
                received += n;
            }
            var now = connection.SendQueue!.Value;
            if (now.Written == written && now.Unsent == 0 && received == written) break;
            if (pending is { IsCompleted: true }) await pending;
            Assert.True(DateTime.UtcNow < deadline, $"bytes never left ({now}, received {received} of {written})");
            await Task.Delay(5);
        }
    }
}
