using System.Buffers;

namespace Shoal.Core.Tests;

public class VarintTests
{
    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(1UL, "01")]
    [InlineData(127UL, "7f")]
    [InlineData(128UL, "8001")]
    [InlineData(255UL, "ff01")]
    [InlineData(300UL, "ac02")]
    [InlineData(16384UL, "808001")]
    [InlineData((1UL << 63) - 1, "ffffffffffffffff7f")]
    public void Encodes_spec_vectors(ulong value, string hex)
    {
        var buf = new byte[Varint.MaxLength];
        int n = Varint.Write(buf, value);
        Assert.Equal(hex, Convert.ToHexStringLower(buf.AsSpan(0, n)));
        Assert.Equal(n, Varint.SizeOf(value));
        Assert.Equal(value, Varint.Read(Convert.FromHexString(hex), out int read));
        Assert.Equal(n, read);
    }

    [Theory]
    [InlineData("8000")]
    [InlineData("ff00")]
    [InlineData("808000")]
    public void Rejects_non_minimal_encodings(string hex)
        => Assert.Throws<FormatException>(() => Varint.Read(Convert.FromHexString(hex), out _));

    [Fact]
    public void Rejects_more_than_nine_bytes()
        => Assert.Throws<FormatException>(() => Varint.Read(Convert.FromHexString("ffffffffffffffffff01"), out _));

    [Fact]
    public void Rejects_values_above_63_bits_on_write()
        => Assert.Throws<ArgumentOutOfRangeException>(() => Varint.SizeOf(1UL << 63));

    [Fact]
    public void TryRead_asks_for_more_bytes_when_truncated()
    {
        Assert.False(Varint.TryRead(Convert.FromHexString("8080"), out _, out _));
        Assert.False(Varint.TryRead(ReadOnlySpan<byte>.Empty, out _, out _));
        Assert.Throws<FormatException>(() => Varint.Read(Convert.FromHexString("80"), out _));
    }

    [Fact]
    public void Reads_from_a_split_sequence()
    {
        var first = new Segment(new byte[] { 0xac });
        var last = first.Append(new byte[] { 0x02, 0x07 });
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(first, 0, last, 2));
        Assert.True(Varint.TryRead(ref reader, out ulong v));
        Assert.Equal(300UL, v);
        Assert.Equal(1, reader.Remaining);

        var partial = new SequenceReader<byte>(new ReadOnlySequence<byte>(new byte[] { 0x80 }));
        Assert.False(Varint.TryRead(ref partial, out _));
        Assert.Equal(1, partial.Remaining);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data) => Memory = data;

        public Segment Append(byte[] data)
        {
            var next = new Segment(data) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
