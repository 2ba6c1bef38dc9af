using System.Buffers;
using System.IO.Pipelines;

namespace Shoal.Net.Tests;

public class LengthPrefixedFrameTests
{
    [Fact]
    public void Frames_split_anywhere_wait_for_more_and_then_parse()
    {
        var writer = new ArrayBufferWriter<byte>();
        var payload = new byte[300];
        new Random(1).NextBytes(payload);
        LengthPrefixedFrame.Write(writer, payload);
        var bytes = writer.WrittenSpan.ToArray();
        Assert.Equal(302, bytes.Length); // 2-byte varint for 300
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.False(LengthPrefixedFrame.TryRead(ref partial, 1000, out _));
        }
        var whole = new ReadOnlySequence<byte>(bytes);
        Assert.True(LengthPrefixedFrame.TryRead(ref whole, 1000, out var read));
        Assert.Equal(payload, read.ToArray());
    }

    [Fact]
    public void A_length_over_the_limit_is_refused_before_the_bytes_arrive()
    {
        var sequence = new ReadOnlySequence<byte>([0x80, 0x80, 0x04]); // 65536, no payload yet
        var error = Assert.Throws<InvalidDataException>(() => LengthPrefixedFrame.TryRead(ref sequence, 65535, out _));
        Assert.Contains("65536", error.Message);
    }

    [Fact]
    public void A_varint_longer_than_nine_bytes_is_refused()
    {
        var sequence = new ReadOnlySequence<byte>(Enumerable.Repeat((byte)0xff, 12).ToArray());
        Assert.Throws<InvalidDataException>(() => LengthPrefixedFrame.TryRead(ref sequence, int.MaxValue, out _));
    }

    [Fact]
    public async Task ReadAsync_returns_null_at_a_clean_end_and_throws_inside_a_frame()
    {
        var pipe = new Pipe();
        LengthPrefixedFrame.Write(pipe.Writer, [1, 2, 3]);
        await pipe.Writer.WriteAsync(new byte[] { 5, 1 }); // a frame of 5 with only 1 byte
        await pipe.Writer.CompleteAsync();
        Assert.Equal([1, 2, 3], await LengthPrefixedFrame.ReadAsync(pipe.Reader, 100));
        await Assert.ThrowsAsync<InvalidDataException>(async () => await LengthPrefixedFrame.ReadAsync(pipe.Reader, 100));

        var empty = new Pipe();
        await empty.Writer.CompleteAsync();
        Assert.Null(await LengthPrefixedFrame.ReadAsync(empty.Reader, 100));
    }
}
