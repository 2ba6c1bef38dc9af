using System.Text;

namespace Shoal.Core.Tests;

public class MultihashTests
{
    [Theory]
    [InlineData(MulticodecCode.Sha2_256, "1220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData(MulticodecCode.Sha2_512, "1340cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")]
    [InlineData(MulticodecCode.Blake3, "1e20af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")]
    [InlineData(MulticodecCode.Identity, "0000")]
    public void Hashes_the_empty_input_like_the_reference_functions(ulong code, string hex)
    {
        var mh = Multihash.Sum(code, ReadOnlySpan<byte>.Empty);
        Assert.Equal(hex, Convert.ToHexStringLower(mh.Bytes.Span));
        Assert.Equal(code, mh.Code);
        Assert.True(mh.Matches(ReadOnlySpan<byte>.Empty));
        Assert.False(mh.Matches("x"u8));
        Assert.Equal(mh, Multihash.FromBytes(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Identity_carries_the_data()
    {
        var mh = Multihash.Sum(MulticodecCode.Identity, "abc"u8);
        Assert.Equal("0003616263", Convert.ToHexStringLower(mh.Bytes.Span));
        Assert.Equal("abc", Encoding.ASCII.GetString(mh.Digest.Span));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("1220aa")]
    [InlineData("1221" + "00000000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("12ffffffffffffffffffff01")]
    public void Rejects_malformed_bytes(string hex)
        => Assert.Throws<FormatException>(() => Multihash.FromBytes(Convert.FromHexString(hex)));

    [Fact]
    public void Rejects_trailing_bytes_but_Read_reports_length()
    {
        var bytes = Convert.FromHexString("0002616263");
        Assert.Throws<FormatException>(() => Multihash.FromBytes(bytes));
        var mh = Multihash.Read(bytes, out int read);
        Assert.Equal(4, read);
        Assert.Equal("ab", Encoding.ASCII.GetString(mh.Digest.Span));
    }

    [Fact]
    public void Unsupported_hash_is_refused_for_Sum()
        => Assert.Throws<NotSupportedException>(() => Multihash.Sum(0x1b, "x"u8));
}
