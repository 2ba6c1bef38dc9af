using System.Text;

namespace Shoal.Core.Tests;

public class CidTests
{
    [Fact]
    public void Raw_hello_world_has_the_known_v1_cid()
    {
        var cid = Cid.Compute(1, MulticodecCode.Raw, "hello world\n"u8);
        Assert.Equal("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4", cid.ToString());
        Assert.Equal(cid, Cid.Parse(cid.ToString()));
    }

    [Fact]
    public void Empty_raw_block_has_the_known_cid()
        => Assert.Equal("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", Cid.Compute(1, MulticodecCode.Raw, []).ToString());

    [Fact]
    public void V0_parses_formats_and_converts_to_v1()
    {
        var v0 = Cid.Parse("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
        Assert.Equal(0, v0.Version);
        Assert.Equal(MulticodecCode.DagPb, v0.Codec);
        Assert.Equal(34, v0.Bytes.Length);
        Assert.Equal("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", v0.ToString());
        var v1 = v0.ToV1();
        Assert.Equal(1, v1.Version);
        Assert.StartsWith("bafybei", v1.ToString());
        Assert.Equal(v0.Hash, v1.Hash);
        Assert.NotEqual(v0, v1);
        Assert.Equal(v1, Cid.Parse(v1.ToString()));
        Assert.Equal(v1, Cid.Parse(v1.ToString(MultibaseEncoding.Base58Btc)));
        Assert.Equal(v1, Cid.Parse(v1.ToString(MultibaseEncoding.Base36Lower)));
        Assert.Equal(v1, Cid.Parse(v1.ToString(MultibaseEncoding.Base16Lower)));
        Assert.Equal(v1, Cid.Parse(v1.ToString(MultibaseEncoding.Base64)));
        Assert.Equal(v1, Cid.Parse(v1.ToString(MultibaseEncoding.Base64Url)));
        Assert.Equal(v1, Cid.Parse(v1.ToString().ToUpperInvariant()));
    }

    [Fact]
    public void Multibase_text_of_a_bare_multihash_is_a_v0_cid_like_go_and_js()
    {
        var cid = Cid.Parse("zQmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
        Assert.Equal(0, cid.Version);
        Assert.Equal("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", cid.ToString());
    }

    [Fact]
    public void Read_consumes_one_cid_from_a_longer_span()
    {
        var a = Cid.Compute(1, MulticodecCode.DagCbor, "a"u8);
        var b = Cid.Compute(0, MulticodecCode.DagPb, "b"u8);
        var buf = a.Bytes.ToArray().Concat(b.Bytes.ToArray()).Concat(new byte[] { 9 }).ToArray();
        var first = Cid.Read(buf, out int n1);
        var second = Cid.Read(buf.AsSpan(n1), out int n2);
        Assert.Equal(a, first);
        Assert.Equal(b, second);
        Assert.Equal(buf.Length - 1, n1 + n2);
        Assert.Throws<FormatException>(() => Cid.FromBytes(buf));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Qm")]
    [InlineData("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQ0")]
    [InlineData("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2deve")]
    [InlineData("hello")]
    [InlineData("f0200")]
    [InlineData("f00")]
    public void Malformed_text_is_a_FormatException(string text)
    {
        Assert.Throws<FormatException>(() => Cid.Parse(text));
        Assert.False(Cid.TryParse(text, out var cid));
        Assert.Null(cid);
    }

    [Fact]
    public void Create_matches_Compute_for_each_hash()
    {
        foreach (var code in new[] { MulticodecCode.Sha2_256, MulticodecCode.Sha2_512, MulticodecCode.Blake3, MulticodecCode.Identity })
        {
            var data = Encoding.UTF8.GetBytes("shoal");
            var computed = Cid.Compute(1, MulticodecCode.Raw, data, code);
            Assert.Equal(Cid.Create(1, MulticodecCode.Raw, Multihash.Sum(code, data)), computed);
            Assert.Equal(computed, Cid.FromBytes(computed.Bytes.Span));
            Assert.True(computed.Hash.Matches(data));
        }
    }

    [Fact]
    public void V0_requires_dag_pb_and_sha2_256()
    {
        Assert.Throws<ArgumentException>(() => Cid.Create(0, MulticodecCode.Raw, Multihash.Sum(MulticodecCode.Sha2_256, "x"u8)));
        Assert.Throws<ArgumentException>(() => Cid.Create(0, MulticodecCode.DagPb, Multihash.Sum(MulticodecCode.Blake3, "x"u8)));
        Assert.Throws<InvalidOperationException>(() => Cid.Compute(0, MulticodecCode.DagPb, "x"u8).ToString(MultibaseEncoding.Base32Lower));
    }

    [Fact]
    public void Libp2p_key_cids_print_in_base36()
    {
        var cid = Cid.Create(1, MulticodecCode.Libp2pKey, Multihash.Sum(MulticodecCode.Identity, new byte[36]));
        Assert.StartsWith("k", cid.ToString());
        Assert.Equal(cid, Cid.Parse(cid.ToString()));
    }
}
