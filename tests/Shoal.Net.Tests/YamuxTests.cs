using System.Buffers;
using System.IO.Pipelines;

namespace Shoal.Net.Tests;

public class YamuxTests
{
    private const uint Window = YamuxOptions.InitialWindow;

    /// <summary>The far end of a session, speaking raw frames so tests can misbehave on purpose.</summary>
    private sealed class RawPeer(IDuplexPipe pipe)
    {
        public async Task SendAsync(YamuxHeader header, byte[]? payload = null)
        {
            var bytes = new byte[YamuxHeader.Size];
            header.Write(bytes);
            await pipe.Output.WriteAsync(bytes);
            if (payload is not null) await pipe.Output.WriteAsync(payload);
        }

        /// <summary>Next frame; the session's keepalive pings are answered and skipped.</summary>
        public async Task<(YamuxHeader Header, byte[] Payload)> ReadAsync()
        {
            while (true)
            {
                var result = await pipe.Input.ReadAsync().AsTask().WaitAsync(TestHosts.Timeout);
                var buffer = result.Buffer;
                if (YamuxHeader.TryRead(ref buffer, out var header))
                {
                    long length = header.Type == YamuxFrameType.Data ? header.Length : 0;
                    if (buffer.Length >= length)
                    {
                        var payload = buffer.Slice(0, length).ToArray();
                        pipe.Input.AdvanceTo(buffer.GetPosition(length));
                        if (header.Type == YamuxFrameType.Ping && (header.Flags & YamuxFlags.Syn) != 0)
                        {
                            await SendAsync(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Ack, 0, header.Length));
                            continue;
                        }
                        return (header, payload);
                    }
                }
                if (result.IsCompleted) throw new EndOfStreamException("session closed");
                pipe.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }

        /// <summary>Sends a ping and collects every frame that arrives before its answer (frames are ordered, so this is a barrier).</summary>
        public async Task<List<(YamuxHeader Header, byte[] Payload)>> DrainUntilPingAckAsync(uint opaque)
        {
            await SendAsync(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Syn, 0, opaque));
            var frames = new List<(YamuxHeader, byte[])>();
            while (true)
            {
                var frame = await ReadAsync();
                if (frame.Header.Type == YamuxFrameType.Ping && frame.Header.Length == opaque) return frames;
                frames.Add(frame);
            }
        }
    }

    private static (YamuxSession Session, RawPeer Peer) Create(YamuxOptions? options = null)
    {
        var (a, b) = MemoryConnection.CreatePair(Multiaddr.Parse("/memory/1"), Multiaddr.Parse("/memory/2"));
        return (new YamuxSession(a, isClient: true, options), new RawPeer(b));
    }

    [Fact]
    public void Headers_split_at_every_byte_parse_only_when_complete()
    {
        var bytes = new byte[YamuxHeader.Size];
        var header = new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn | YamuxFlags.Ack, 0x01020304, 0xa0b0c0d0);
        header.Write(bytes);
        Assert.Equal("000100030102030" + "4a0b0c0d0", Convert.ToHexString(bytes).ToLowerInvariant());
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.False(YamuxHeader.TryRead(ref partial, out _));
        }
        var whole = new ReadOnlySequence<byte>(bytes);
        Assert.True(YamuxHeader.TryRead(ref whole, out var read));
        Assert.Equal(header, read);
    }

    [Theory]
    [InlineData("010000000000000100000000", "version")]
    [InlineData("000400000000000100000000", "frame type")]
    public void Bad_headers_are_protocol_errors(string hex, string expected)
    {
        var sequence = new ReadOnlySequence<byte>(Convert.FromHexString(hex));
        var error = Assert.Throws<YamuxProtocolException>(() => YamuxHeader.TryRead(ref sequence, out _));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Flow_control_updates_after_half_a_window_and_rejects_overruns()
    {
        var flow = new YamuxFlowControl();
        flow.OnDataReceived(Window);
        Assert.Throws<YamuxProtocolException>(() => flow.OnDataReceived(1));
        Assert.Equal(0u, flow.OnConsumed(Window / 2 - 1, TimeSpan.Zero, TimeSpan.Zero));
        Assert.Equal(Window / 2, flow.OnConsumed(1, TimeSpan.Zero, TimeSpan.Zero));
        Assert.Equal(Window / 2, flow.ReceiveCredit);
    }

    [Fact]
    public void Flow_control_auto_tunes_a_fast_reader_up_to_the_maximum()
    {
        var flow = new YamuxFlowControl(maxReceiveWindow: 4 * Window);
        var rtt = TimeSpan.FromMilliseconds(10);
        var now = TimeSpan.FromSeconds(1);
        for (int i = 0; i < 10; i++)
        {
            uint credit = flow.ReceiveCredit;
            flow.OnDataReceived(credit);
            now += TimeSpan.FromMilliseconds(1); // drained far faster than 4 round trips
            flow.OnConsumed(credit, now, rtt);
        }
        Assert.Equal(4 * Window, flow.ReceiveWindow);
        Assert.Equal(4 * Window, flow.ReceiveCredit);
    }

    [Fact]
    public void Flow_control_send_window_is_taken_and_granted()
    {
        var flow = new YamuxFlowControl();
        Assert.Equal(64 * 1024, flow.TakeSendWindow(64 * 1024));
        Assert.Equal((int)Window - 64 * 1024, flow.TakeSendWindow(int.MaxValue));
        Assert.Equal(0, flow.TakeSendWindow(1));
        flow.OnWindowUpdate(10);
        Assert.Equal(10, flow.TakeSendWindow(100));
        flow.OnWindowUpdate(uint.MaxValue);
        Assert.Throws<YamuxProtocolException>(() => flow.OnWindowUpdate(1));
    }

    [Fact]
    public async Task A_writer_never_sends_past_the_peer_window_and_frames_stay_under_64_KiB()
    {
        var (session, peer) = Create();
        await using var _ = session;
        var stream = await session.OpenStreamAsync();
        var syn = await peer.ReadAsync();
        Assert.Equal((YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1u), (syn.Header.Type, syn.Header.Flags, syn.Header.StreamId));

        var writing = stream.Output.WriteAsync(new byte[1024 * 1024]).AsTask();
        long received = 0;
        while (received < Window)
        {
            var (header, payload) = await peer.ReadAsync();
            Assert.Equal(YamuxFrameType.Data, header.Type);
            Assert.True(header.Length <= 64 * 1024);
            received += payload.Length;
        }
        Assert.Equal(Window, received);
        // Nothing more arrives before a ping's answer: the writer is blocked on the window.
        Assert.DoesNotContain(await peer.DrainUntilPingAckAsync(7), f => f.Header.Type == YamuxFrameType.Data);

        await peer.SendAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Ack, 1, 100_000));
        long more = 0;
        while (more < 100_000) more += (await peer.ReadAsync()).Payload.Length;
        Assert.Equal(100_000, more);
        Assert.DoesNotContain(await peer.DrainUntilPingAckAsync(8), f => f.Header.Type == YamuxFrameType.Data);
        Assert.False(writing.IsCompleted); // most of the 1 MiB still waits for window
    }

    [Fact]
    public async Task Data_beyond_the_window_closes_the_session_with_a_protocol_error_GoAway()
    {
        var (session, peer) = Create();
        await using var _ = session;
        await peer.SendAsync(new YamuxHeader(YamuxFrameType.Data, YamuxFlags.Syn, 2, Window), new byte[Window]);
        await peer.SendAsync(new YamuxHeader(YamuxFrameType.Data, YamuxFlags.None, 2, 1), [42]);
        (YamuxHeader Header, byte[] Payload) frame;
        do frame = await peer.ReadAsync(); while (frame.Header.Type != YamuxFrameType.GoAway);
        Assert.Equal(YamuxSession.GoAwayProtocolError, frame.Header.Length);
        Assert.IsType<YamuxProtocolException>(await session.Completion.WaitAsync(TestHosts.Timeout));
    }

    [Fact]
    public async Task A_reset_fails_only_that_stream()
    {
        var (session, peer) = Create();
        await using var _ = session;
        await peer.SendAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 2, 0));
        await peer.SendAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 4, 0));
        var first = await session.AcceptStreamAsync().AsTask().WaitAsync(TestHosts.Timeout);
        var second = await session.AcceptStreamAsync().AsTask().WaitAsync(TestHosts.Timeout);
        await peer.SendAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, 2, 0));
        await peer.SendAsync(new YamuxHeader(YamuxFrameType.Data, YamuxFlags.Fin, 4, 5), "alive"u8.ToArray());

        await Assert.ThrowsAsync<StreamResetException>(async () => await first.Input.ReadAsync().AsTask().WaitAsync(TestHosts.Timeout));
        Assert.Equal("alive"u8.ToArray(), await TestHosts.ReadToEndAsync(second.Input, CancellationToken.None).WaitAsync(TestHosts.Timeout));
        Assert.False(session.IsClosed);
    }

    [Fact]
    public async Task A_local_reset_sends_RST_for_that_stream()
    {
        var (session, peer) = Create();
        await using var _ = session;
        var stream = await session.OpenStreamAsync();
        await peer.ReadAsync(); // SYN
        stream.Reset();
        (YamuxHeader Header, byte[] Payload) frame;
        do frame = await peer.ReadAsync(); while (frame.Header.Type != YamuxFrameType.WindowUpdate);
        Assert.Equal((YamuxFlags.Rst, 1u), (frame.Header.Flags, frame.Header.StreamId));
    }

    [Fact]
    public async Task After_GoAway_no_new_streams_open()
    {
        var (session, peer) = Create();
        await using var _ = session;
        await peer.SendAsync(new YamuxHeader(YamuxFrameType.GoAway, YamuxFlags.None, 0, YamuxSession.GoAwayNormal));
        await peer.DrainUntilPingAckAsync(1); // the GoAway has been processed
        await Assert.ThrowsAsync<IOException>(() => session.OpenStreamAsync());
    }

    [Fact]
    public async Task Pings_are_echoed_with_their_opaque_value_and_measure_round_trips()
    {
        var (session, peer) = Create();
        await using var _ = session;
        await peer.SendAsync(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 0xdeadbeef));
        var (header, _) = await peer.ReadAsync();
        Assert.Equal((YamuxFrameType.Ping, YamuxFlags.Ack, 0xdeadbeefu), (header.Type, header.Flags, header.Length));
    }

    [Fact]
    public async Task Streams_beyond_the_inbound_limit_are_reset()
    {
        var (session, peer) = Create(new YamuxOptions { MaxInboundStreams = 2 });
        await using var _ = session;
        foreach (uint id in new uint[] { 2, 4, 6 }) await peer.SendAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, id, 0));
        var frames = await peer.DrainUntilPingAckAsync(3);
        Assert.Contains(frames, f => f.Header.StreamId == 6 && f.Header.Flags == YamuxFlags.Rst);
        Assert.DoesNotContain(frames, f => f.Header.StreamId != 6 && (f.Header.Flags & YamuxFlags.Rst) != 0);
    }

    [Fact]
    public async Task A_stream_opened_with_our_parity_is_a_protocol_error()
    {
        var (session, peer) = Create();
        await using var _ = session;
        await peer.SendAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 3, 0)); // odd: the client's ids
        Assert.IsType<YamuxProtocolException>(await session.Completion.WaitAsync(TestHosts.Timeout));
    }

    [Fact]
    public async Task Frames_arriving_one_byte_at_a_time_are_reassembled()
    {
        var (a, b) = MemoryConnection.CreatePair(Multiaddr.Parse("/memory/1"), Multiaddr.Parse("/memory/2"));
        await using var session = new YamuxSession(a, isClient: true);
        var frame = new byte[YamuxHeader.Size + 11];
        new YamuxHeader(YamuxFrameType.Data, YamuxFlags.Syn | YamuxFlags.Fin, 2, 11).Write(frame);
        "hello world"u8.CopyTo(frame.AsSpan(YamuxHeader.Size));
        foreach (var b1 in frame) await b.Output.WriteAsync(new[] { b1 });
        var stream = await session.AcceptStreamAsync().AsTask().WaitAsync(TestHosts.Timeout);
        Assert.Equal("hello world"u8.ToArray(), await TestHosts.ReadToEndAsync(stream.Input, CancellationToken.None).WaitAsync(TestHosts.Timeout));
    }

    [Fact]
    public async Task Reading_grants_window_so_a_long_stream_flows()
    {
        var (session, peer) = Create();
        await using var _ = session;
        await peer.SendAsync(new YamuxHeader(YamuxFrameType.Data, YamuxFlags.Syn, 2, Window), new byte[Window]);
        var stream = await session.AcceptStreamAsync().AsTask().WaitAsync(TestHosts.Timeout);
        var result = await stream.Input.ReadAsync();
        long total = result.Buffer.Length;
        stream.Input.AdvanceTo(result.Buffer.End);
        while (total < Window)
        {
            result = await stream.Input.ReadAsync();
            total += result.Buffer.Length;
            stream.Input.AdvanceTo(result.Buffer.End);
        }
        long granted = 0;
        while (granted < Window / 2)
        {
            var (header, _) = await peer.ReadAsync();
            if (header.Type == YamuxFrameType.WindowUpdate && header.StreamId == 2) granted += header.Length;
        }
        Assert.True(granted >= Window / 2);
    }

    [Fact]
    public async Task A_message_larger_than_the_window_can_be_read_whole()
    {
        var (session, peer) = Create();
        await using var _ = session;
        // A 1 MiB length-prefixed message (Bitswap and the DHT allow 4 MiB) against a 256 KiB initial window.
        var message = new byte[1024 * 1024];
        new Random(3).NextBytes(message);
        var framed = new ArrayBufferWriter<byte>();
        LengthPrefixedFrame.Write(framed, message);
        var bytes = framed.WrittenSpan.ToArray();

        var reading = Task.Run(async () =>
        {
            var stream = await session.AcceptStreamAsync();
            return await LengthPrefixedFrame.ReadAsync(stream.Input, 4 * 1024 * 1024);
        });
        long window = Window, sent = 0;
        bool first = true;
        while (sent < bytes.Length)
        {
            int chunk = (int)Math.Min(Math.Min(window, 64 * 1024), bytes.Length - sent);
            if (chunk > 0)
            {
                await peer.SendAsync(new YamuxHeader(YamuxFrameType.Data, first ? YamuxFlags.Syn : YamuxFlags.None, 2, (uint)chunk), bytes.AsSpan((int)sent, chunk).ToArray());
                first = false;
                sent += chunk;
                window -= chunk;
                continue;
            }
            var (header, _) = await peer.ReadAsync(); // wait for credit like a real sender
            if (header.Type == YamuxFrameType.WindowUpdate && header.StreamId == 2) window += header.Length;
        }
        Assert.Equal(message, await reading.WaitAsync(TestHosts.Timeout));
    }

    [Fact]
    public async Task Bulk_data_meets_an_exhausted_window_and_resumes_on_each_update_intact_and_in_order()
    {
        var (session, peer) = Create();
        await using var _ = session;
        var stream = await session.OpenStreamAsync();
        await peer.ReadAsync(); // SYN
        var data = new byte[1024 * 1024 + 7];
        new Random(21).NextBytes(data);
        var writing = stream.Output.WriteAsync(data).AsTask();

        // The initial window, then small uneven grants (each exhausted before the next), then the rest at once.
        var received = new MemoryStream();
        long granted = Window;
        var random = new Random(22);
        while (received.Length < data.Length)
        {
            while (received.Length < granted)
            {
                var (header, payload) = await peer.ReadAsync();
                Assert.Equal((YamuxFrameType.Data, 1u), (header.Type, header.StreamId));
                Assert.InRange(header.Length, 1u, 64u * 1024);
                received.Write(payload);
            }
            Assert.Equal(granted, received.Length); // never past the window
            uint grant = received.Length < 600_000 ? (uint)random.Next(1, 70_000) : (uint)(data.Length - received.Length);
            await peer.SendAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, 1, grant));
            granted = Math.Min(data.Length, granted + grant);
        }
        await writing.WaitAsync(TestHosts.Timeout);
        Assert.Equal(data, received.ToArray());
    }

    [Fact]
    public async Task Many_frames_and_a_FIN_in_one_read_reach_the_reader_whole_and_then_end_it()
    {
        var (a, b) = MemoryConnection.CreatePair(Multiaddr.Parse("/memory/1"), Multiaddr.Parse("/memory/2"));
        await using var session = new YamuxSession(a, isClient: true);
        var data = new byte[Window];
        new Random(23).NextBytes(data);
        // Four 64 KiB data frames (the first opens stream 2), then a bare FIN, written as one block of bytes.
        var wire = new MemoryStream();
        var header = new byte[YamuxHeader.Size];
        for (int i = 0; i < 4; i++)
        {
            new YamuxHeader(YamuxFrameType.Data, i == 0 ? YamuxFlags.Syn : YamuxFlags.None, 2, 64 * 1024).Write(header);
            wire.Write(header);
            wire.Write(data, i * 64 * 1024, 64 * 1024);
        }
        new YamuxHeader(YamuxFrameType.Data, YamuxFlags.Fin, 2, 0).Write(header);
        wire.Write(header);
        await b.Output.WriteAsync(wire.ToArray());

        var stream = await session.AcceptStreamAsync().AsTask().WaitAsync(TestHosts.Timeout);
        Assert.Equal(data, await TestHosts.ReadToEndAsync(stream.Input, CancellationToken.None).WaitAsync(TestHosts.Timeout));
    }

    [Fact]
    public async Task Data_for_a_stream_whose_reader_is_gone_is_credited_back_to_the_sender()
    {
        var (session, peer) = Create();
        await using var _ = session;
        await peer.SendAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 2, 0));
        var stream = await session.AcceptStreamAsync().AsTask().WaitAsync(TestHosts.Timeout);
        await stream.Input.CompleteAsync();
        // A whole window of data nobody will read: all of it must come back as credit, or the sender stalls forever.
        for (int i = 0; i < 4; i++) await peer.SendAsync(new YamuxHeader(YamuxFrameType.Data, YamuxFlags.None, 2, 64 * 1024), new byte[64 * 1024]);
        long credit = 0;
        while (credit < Window)
        {
            var (header, _) = await peer.ReadAsync();
            if (header.Type == YamuxFrameType.WindowUpdate && header.StreamId == 2) credit += header.Length;
        }
        Assert.Equal(Window, credit);
    }
}
