using System.Text;

namespace Shoal.Core.Tests;

public class MultibaseTests
{
    // multiformats/multibase tests/basic.csv and leading_zero.csv
    [Theory]
    [InlineData(MultibaseEncoding.Base16Lower, "yes mani !", "f796573206d616e692021")]
    [InlineData(MultibaseEncoding.Base32Lower, "yes mani !", "bpfsxgidnmfxgsibb")]
    [InlineData(MultibaseEncoding.Base58Btc, "yes mani !", "z7paNL19xttacUY")]
    [InlineData(MultibaseEncoding.Base36Lower, "yes mani !", "k2lcpzo5yikidynfl")]
    [InlineData(MultibaseEncoding.Base64, "yes mani !", "meWVzIG1hbmkgIQ")]
    [InlineData(MultibaseEncoding.Base64Url, "yes mani !", "ueWVzIG1hbmkgIQ")]
    [InlineData(MultibaseEncoding.Base58Btc, "\0yes mani !", "z17paNL19xttacUY")]
    [InlineData(MultibaseEncoding.Base36Lower, "\0yes mani !", "k02lcpzo5yikidynfl")]
    [InlineData(MultibaseEncoding.Base58Btc, "\0\0yes mani !", "z117paNL19xttacUY")]
    [InlineData(MultibaseEncoding.Base32Lower, "\0yes mani !", "bab4wk4zanvqw42jaee")]
    public void Matches_multibase_spec_vectors(MultibaseEncoding encoding, string input, string expected)
    {
        var data = Encoding.Latin1.GetBytes(input);
        Assert.Equal(expected, Multibase.Encode(encoding, data));
        Assert.Equal(data, Multibase.Decode(expected));
    }

    [Theory]
    [InlineData("BPFSXGIDNMFXGSIBB")]
    [InlineData("F796573206D616E692021")]
    [InlineData("K2LCPZO5YIKIDYNFL")]
    public void Decodes_upper_case_variants(string text)
        => Assert.Equal("yes mani !", Encoding.ASCII.GetString(Multibase.Decode(text)));

    [Theory]
    [InlineData("")]
    [InlineData("x123")]
    [InlineData("z0OIl")]
    [InlineData("b1")]
    [InlineData("bpfsxgidnmfxgsibC")]
    [InlineData("f7")]
    [InlineData("m*")]
    public void Rejects_bad_text_with_FormatException(string text)
        => Assert.Throws<FormatException>(() => Multibase.Decode(text));

    [Fact]
    public void Base58_round_trips_empty_and_zeros()
    {
        Assert.Equal("", Base58.Encode([]));
        Assert.Equal("111", Base58.Encode(new byte[3]));
        Assert.Equal(new byte[3], Base58.Decode("111"));
        Assert.Empty(Base58.Decode(""));
    }
}
