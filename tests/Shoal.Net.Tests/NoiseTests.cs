using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Shoal.Net.Tests;

public class NoiseTests
{
    // flynn/noise vectors.txt, Noise_XX_25519_ChaChaPoly_SHA256 with empty prologue: messages alternate initiator/responder.
    private const string InitStatic = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private const string RespStatic = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
    private const string InitEphemeral = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
    private const string RespEphemeral = "4142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60";
    private static readonly (string Payload, string Ciphertext)[] Messages =
    [
        ("", "358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254"),
        ("", "64b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d484663414af878d3e46a2f58911a816d6e8346d4ea17a6f2a0bb4ef4ed56c133cff4560a34e36ea82109f26cf2e5a5caf992b608d55c747f615e5a3425a7a19eefb8f"),
        ("", "87f864c11ba449f46a0a4f4e2eacbb7b0457784f4fca1937f572c93603e9c4d97e5ea11b16f3968710b23a3be3202dc1b5e1ce3c963347491e74f5c0768a9b42"),
        ("79656c6c6f777375626d6172696e65", "a52ef02ba60e12696d1d6b9ef4245c88fca757b6134ad6e76b56e310a6adf6"),
        ("7375626d6172696e6579656c6c6f77", "2445aa438ebd649281c636cc7269ca82f1d9023d72520943aeabf909cdf521"),
    ];

    [Fact]
    public void Handshake_and_transport_match_the_flynn_noise_XX_vectors()
    {
        using var initiator = new NoiseXXHandshake(true, X25519KeyPair.FromPrivateKey(Convert.FromHexString(InitStatic)), X25519KeyPair.FromPrivateKey(Convert.FromHexString(InitEphemeral)));
        using var responder = new NoiseXXHandshake(false, X25519KeyPair.FromPrivateKey(Convert.FromHexString(RespStatic)), X25519KeyPair.FromPrivateKey(Convert.FromHexString(RespEphemeral)));
        var buffer = new byte[1024];
        var plain = new byte[1024];
        for (int i = 0; i < 3; i++)
        {
            var (writer, reader) = i % 2 == 0 ? (initiator, responder) : (responder, initiator);
            int n = writer.WriteMessage(Convert.FromHexString(Messages[i].Payload), buffer);
            Assert.Equal(Messages[i].Ciphertext, Convert.ToHexString(buffer, 0, n).ToLowerInvariant());
            int p = reader.ReadMessage(buffer.AsSpan(0, n), plain);
            Assert.Equal(Messages[i].Payload, Convert.ToHexString(plain, 0, p).ToLowerInvariant());
        }
        Assert.True(initiator.IsComplete && responder.IsComplete);
        Assert.True(initiator.HandshakeHash.SequenceEqual(responder.HandshakeHash));
        var (iSend, iReceive) = initiator.Split();
        var (rSend, rReceive) = responder.Split();

        // After the handshake flynn's vectors use the first split cipher (initiator to responder), then the second.
        int c3 = iSend.EncryptWithAd(default, Convert.FromHexString(Messages[3].Payload), buffer);
        Assert.Equal(Messages[3].Ciphertext, Convert.ToHexString(buffer, 0, c3).ToLowerInvariant());
        int p3 = rReceive.DecryptWithAd(default, buffer.AsSpan(0, c3), plain);
        Assert.Equal(Messages[3].Payload, Convert.ToHexString(plain, 0, p3).ToLowerInvariant());

        int c4 = rSend.EncryptWithAd(default, Convert.FromHexString(Messages[4].Payload), buffer);
        Assert.Equal(Messages[4].Ciphertext, Convert.ToHexString(buffer, 0, c4).ToLowerInvariant());
        Assert.Equal(Messages[4].Payload.Length / 2, iReceive.DecryptWithAd(default, buffer.AsSpan(0, c4), plain));
    }

    [Fact]
    public void A_tampered_handshake_message_fails_with_a_bad_MAC()
    {
        using var initiator = new NoiseXXHandshake(true, X25519KeyPair.Generate());
        using var responder = new NoiseXXHandshake(false, X25519KeyPair.Generate());
        var buffer = new byte[1024];
        var plain = new byte[1024];
        int n = initiator.WriteMessage(default, buffer);
        responder.ReadMessage(buffer.AsSpan(0, n), plain);
        n = responder.WriteMessage("payload"u8, buffer);
        buffer[40] ^= 1; // inside the encrypted static key
        Assert.Throws<NoiseException>(() => initiator.ReadMessage(buffer.AsSpan(0, n), plain));
    }

    [Fact]
    public void A_truncated_handshake_message_is_rejected_clearly()
    {
        using var responder = new NoiseXXHandshake(false, X25519KeyPair.Generate());
        var error = Assert.Throws<NoiseException>(() => responder.ReadMessage(new byte[10], new byte[64]));
        Assert.Contains("shorter", error.Message);
    }

    [Fact]
    public async Task Secure_channels_carry_bytes_both_ways_and_authenticate_identities()
    {
        var (left, right) = MemoryConnection.CreatePair(Multiaddr.Parse("/memory/1"), Multiaddr.Parse("/memory/2"));
        var alice = Identity.Generate();
        var bob = Identity.Generate();
        var dialing = NoiseSecurity.SecureOutboundAsync(left, alice, bob.PeerId);
        var accepting = NoiseSecurity.SecureInboundAsync(right, bob);
        await using var a = await dialing.WaitAsync(TestHosts.Timeout);
        await using var b = await accepting.WaitAsync(TestHosts.Timeout);
        Assert.Equal(bob.PeerId, a.RemotePeer);
        Assert.Equal(alice.PeerId, b.RemotePeer);

        // More than one Noise frame (65519 bytes of plaintext each) in one write.
        var big = new byte[200_000];
        new Random(5).NextBytes(big);
        await a.Output.WriteAsync(big);
        await a.Output.CompleteAsync();
        var received = await TestHosts.ReadToEndAsync(b.Input, CancellationToken.None).WaitAsync(TestHosts.Timeout);
        Assert.Equal(big, received);

        await b.Output.WriteAsync(Encoding.UTF8.GetBytes("pong"));
        await b.Output.FlushAsync();
        var reply = await a.Input.ReadAsync().AsTask().WaitAsync(TestHosts.Timeout);
        Assert.Equal("pong", Encoding.UTF8.GetString(reply.Buffer));
    }

    [Fact]
    public async Task The_dialer_rejects_a_peer_that_is_not_the_one_it_dialled()
    {
        var (left, right) = MemoryConnection.CreatePair(Multiaddr.Parse("/memory/1"), Multiaddr.Parse("/memory/2"));
        var expected = Identity.Generate().PeerId;
        var dialing = NoiseSecurity.SecureOutboundAsync(left, Identity.Generate(), expected);
        var accepting = NoiseSecurity.SecureInboundAsync(right, Identity.Generate());
        var error = await Assert.ThrowsAsync<NoiseException>(() => dialing.WaitAsync(TestHosts.Timeout));
        Assert.Contains(expected.ToString(), error.Message);
        await left.DisposeAsync(); // as the host does after a failed handshake
        await Assert.ThrowsAsync<NoiseException>(() => accepting.WaitAsync(TestHosts.Timeout));
    }

    [Fact]
    public async Task A_corrupted_transport_frame_ends_the_channel_with_an_error()
    {
        using var initiator = new NoiseXXHandshake(true, X25519KeyPair.Generate());
        using var responder = new NoiseXXHandshake(false, X25519KeyPair.Generate());
        var buffer = new byte[1024];
        var plain = new byte[1024];
        for (int i = 0; i < 3; i++)
        {
            var (writer, reader) = i % 2 == 0 ? (initiator, responder) : (responder, initiator);
            int n = writer.WriteMessage(default, buffer);
            reader.ReadMessage(buffer.AsSpan(0, n), plain);
        }
        var (iSend, _) = initiator.Split();
        var (rSend, rReceive) = responder.Split();
        var wire = new Pipe();
        var back = new Pipe();
        var someone = Identity.Generate();
        await using var channel = new NoiseSecureChannel(new DuplexPipe(wire.Reader, back.Writer), rSend, rReceive, someone.PeerId, someone.PublicKey, []);

        int length = iSend.EncryptWithAd(default, "hello"u8, buffer.AsSpan(2));
        buffer[0] = 0;
        buffer[1] = (byte)length;
        buffer[2 + length - 1] ^= 0x01; // flip a bit of the tag
        await wire.Writer.WriteAsync(buffer.AsMemory(0, 2 + length));
        var error = await Assert.ThrowsAsync<NoiseException>(async () => await channel.Input.ReadAsync().AsTask().WaitAsync(TestHosts.Timeout));
        Assert.Contains("bad MAC", error.Message);
    }

    private static (NoiseCipherState ISend, NoiseCipherState IReceive, NoiseCipherState RSend, NoiseCipherState RReceive) TransportKeys()
    {
        using var initiator = new NoiseXXHandshake(true, X25519KeyPair.Generate());
        using var responder = new NoiseXXHandshake(false, X25519KeyPair.Generate());
        var buffer = new byte[1024];
        var plain = new byte[1024];
        for (int i = 0; i < 3; i++)
        {
            var (writer, reader) = i % 2 == 0 ? (initiator, responder) : (responder, initiator);
            int n = writer.WriteMessage(default, buffer);
            reader.ReadMessage(buffer.AsSpan(0, n), plain);
        }
        var (iSend, iReceive) = initiator.Split();
        var (rSend, rReceive) = responder.Split();
        return (iSend, iReceive, rSend, rReceive);
    }

    [Fact]
    public async Task Plaintext_written_in_uneven_pieces_is_sealed_in_valid_frames_and_opens_intact()
    {
        var (_, iReceive, rSend, rReceive) = TransportKeys();
        var wire = new Pipe();
        var back = new Pipe();
        var someone = Identity.Generate();
        await using var channel = new NoiseSecureChannel(new DuplexPipe(back.Reader, wire.Writer), rSend, rReceive, someone.PeerId, someone.PublicKey, []);

        // 3 MiB + 5 in pieces of every size from 1 byte to 200 KiB, so plaintext crosses pipe segments everywhere.
        var data = new byte[3 * 1024 * 1024 + 5];
        new Random(7).NextBytes(data);
        var random = new Random(8);
        var writing = Task.Run(async () =>
        {
            for (int offset = 0; offset < data.Length;)
            {
                int n = Math.Min(data.Length - offset, random.Next(1, 200 * 1024));
                await channel.Output.WriteAsync(data.AsMemory(offset, n));
                offset += n;
            }
        });

        var received = new MemoryStream();
        var plain = new byte[NoiseFrame.MaxFrameLength];
        int frames = 0;
        while (received.Length < data.Length)
        {
            var result = await wire.Reader.ReadAsync().AsTask().WaitAsync(TestHosts.Timeout);
            var buffer = result.Buffer;
            while (NoiseFrame.TryRead(ref buffer, out var frame))
            {
                Assert.InRange(frame.Length, NoiseCipherState.TagLength + 1, NoiseFrame.MaxFrameLength);
                int n = iReceive.DecryptWithAd(default, frame.ToArray(), plain);
                received.Write(plain, 0, n);
                frames++;
            }
            wire.Reader.AdvanceTo(buffer.Start, buffer.End);
            Assert.False(result.IsCompleted);
        }
        await writing.WaitAsync(TestHosts.Timeout);
        Assert.Equal(data, received.ToArray());
        Assert.True(frames >= data.Length / NoiseFrame.MaxPlaintextLength);
    }

    [Fact]
    public async Task Frames_of_the_maximum_size_split_at_any_byte_open_intact()
    {
        var (iSend, _, rSend, rReceive) = TransportKeys();
        var wire = new Pipe();
        var back = new Pipe();
        var someone = Identity.Generate();
        await using var channel = new NoiseSecureChannel(new DuplexPipe(wire.Reader, back.Writer), rSend, rReceive, someone.PeerId, someone.PublicKey, []);

        // Eight 65535-byte frames (the most Noise allows) on the wire, delivered in reads cut at random points.
        var data = new byte[8 * NoiseFrame.MaxPlaintextLength];
        new Random(9).NextBytes(data);
        var sealedBytes = new MemoryStream();
        var frame = new byte[NoiseFrame.HeaderLength + NoiseFrame.MaxFrameLength];
        for (int offset = 0; offset < data.Length; offset += NoiseFrame.MaxPlaintextLength)
        {
            int n = iSend.EncryptWithAd(default, data.AsSpan(offset, NoiseFrame.MaxPlaintextLength), frame.AsSpan(NoiseFrame.HeaderLength));
            Assert.Equal(NoiseFrame.MaxFrameLength, n);
            frame[0] = 0xff;
            frame[1] = 0xff;
            sealedBytes.Write(frame);
        }
        var wireBytes = sealedBytes.ToArray();
        var random = new Random(10);
        var feeding = Task.Run(async () =>
        {
            for (int offset = 0; offset < wireBytes.Length;)
            {
                int n = Math.Min(wireBytes.Length - offset, random.Next(1, 100_000));
                await wire.Writer.WriteAsync(wireBytes.AsMemory(offset, n));
                offset += n;
            }
        });

        var received = new MemoryStream();
        while (received.Length < data.Length)
        {
            var result = await channel.Input.ReadAsync().AsTask().WaitAsync(TestHosts.Timeout);
            foreach (var segment in result.Buffer) received.Write(segment.Span);
            channel.Input.AdvanceTo(result.Buffer.End);
            Assert.False(result.IsCompleted);
        }
        await feeding.WaitAsync(TestHosts.Timeout);
        Assert.Equal(data, received.ToArray());
    }

    /// <summary>Every frame on <paramref name="wire"/> (which must end), opened with <paramref name="receive"/>.</summary>
    private static async Task<byte[]> OpenAllAsync(PipeReader wire, NoiseCipherState receive)
    {
        var plain = new MemoryStream();
        var buffer = new byte[NoiseFrame.MaxFrameLength];
        while (true)
        {
            var result = await wire.ReadAsync().AsTask().WaitAsync(TestHosts.Timeout);
            var sequence = result.Buffer;
            while (NoiseFrame.TryRead(ref sequence, out var frame))
            {
                Assert.InRange(frame.Length, NoiseCipherState.TagLength + 1, NoiseFrame.MaxFrameLength);
                plain.Write(buffer, 0, receive.DecryptWithAd(default, frame.ToArray(), buffer));
            }
            wire.AdvanceTo(sequence.Start, sequence.End);
            if (result.IsCompleted)
            {
                Assert.True(sequence.IsEmpty);
                return plain.ToArray();
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(12)]
    [InlineData(4096)]
    [InlineData(NoiseFrame.MaxPlaintextLength)]
    [InlineData(NoiseFrame.MaxPlaintextLength + 1)]
    [InlineData(300_000)]
    public async Task The_sealing_writer_seals_in_place_or_from_staging_for_any_size_hint(int sizeHint)
    {
        var (_, iReceive, rSend, _) = TransportKeys();
        var wire = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var writer = new NoiseSealingWriter(wire.Writer, rSend);
        var expected = new MemoryStream();
        var random = new Random(sizeHint);
        for (int round = 0; round < 40; round++)
        {
            var memory = writer.GetMemory(sizeHint);
            Assert.True(memory.Length >= Math.Max(1, sizeHint));
            int n = random.Next(0, Math.Min(memory.Length, Math.Max(sizeHint, 100)) + 1); // advancing less than offered is allowed
            random.NextBytes(memory.Span[..n]);
            expected.Write(memory.Span[..n]);
            writer.Advance(n);
            if (round % 7 == 6) await writer.FlushAsync();
        }
        await writer.CompleteAsync(); // seals what was written since the last flush
        Assert.Equal(expected.ToArray(), await OpenAllAsync(wire.Reader, iReceive));
    }

    [Fact]
    public async Task The_sealing_writer_never_makes_a_frame_over_the_maximum()
    {
        var (_, iReceive, rSend, _) = TransportKeys();
        var wire = new Pipe(new PipeOptions(pauseWriterThreshold: 0, minimumSegmentSize: 256 * 1024));
        var writer = new NoiseSealingWriter(wire.Writer, rSend);
        var data = new byte[1_000_003];
        new Random(30).NextBytes(data);
        writer.Write(data); // GetSpan + Advance in pieces as large as the writer offers: whole frames
        await writer.FlushAsync();
        writer.Complete();
        Assert.Equal(data, await OpenAllAsync(wire.Reader, iReceive));
    }

    private static byte[] Seal(NoiseCipherState send, ReadOnlySpan<byte> plaintext)
    {
        var frame = new byte[NoiseFrame.HeaderLength + plaintext.Length + NoiseCipherState.TagLength];
        int n = send.EncryptWithAd(default, plaintext, frame.AsSpan(NoiseFrame.HeaderLength));
        frame[0] = (byte)(n >> 8);
        frame[1] = (byte)n;
        return frame;
    }

    [Fact]
    public async Task A_reader_that_examined_everything_waits_for_the_next_frame_and_then_sees_both()
    {
        var (iSend, _, _, rReceive) = TransportKeys();
        var wire = new Pipe();
        var reader = new NoiseOpeningReader(wire.Reader, rReceive);
        await wire.Writer.WriteAsync(Seal(iSend, "first "u8));
        var first = await reader.ReadAsync().AsTask().WaitAsync(TestHosts.Timeout);
        Assert.Equal("first "u8.ToArray(), first.Buffer.ToArray());
        reader.AdvanceTo(first.Buffer.Start, first.Buffer.End); // a length prefix, say, that needs more bytes

        var next = reader.ReadAsync().AsTask();
        var half = Seal(iSend, "second"u8);
        await wire.Writer.WriteAsync(half.AsMemory(0, 5)); // part of a frame opens nothing
        await wire.Writer.WriteAsync(half.AsMemory(5));
        var both = await next.WaitAsync(TestHosts.Timeout);
        // A reader handed the same bytes again (instead of waiting for the frame) would see only "first " here.
        Assert.Equal("first second"u8.ToArray(), both.Buffer.ToArray());
        reader.AdvanceTo(both.Buffer.End);

        await wire.Writer.CompleteAsync();
        var end = await reader.ReadAsync().AsTask().WaitAsync(TestHosts.Timeout);
        Assert.True(end.IsCompleted);
        Assert.True(end.Buffer.IsEmpty);
    }

    [Fact]
    public async Task A_connection_closed_in_the_middle_of_a_frame_is_an_error_for_the_reader()
    {
        var (iSend, _, _, rReceive) = TransportKeys();
        var wire = new Pipe();
        var reader = new NoiseOpeningReader(wire.Reader, rReceive);
        var frame = Seal(iSend, "cut short"u8);
        await wire.Writer.WriteAsync(frame.AsMemory(0, frame.Length - 3));
        await wire.Writer.CompleteAsync();
        var error = await Assert.ThrowsAsync<NoiseException>(async () => await reader.ReadAsync().AsTask().WaitAsync(TestHosts.Timeout));
        Assert.Contains("middle of a Noise frame", error.Message);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;
        public PipeWriter Output => output;
    }
}
