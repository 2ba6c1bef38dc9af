using FsCheck.Xunit;

namespace Shoal.Net.Tests;

public class MultiaddrTests
{
    [Theory]
    [InlineData("/ip4/192.0.2.42/tcp/443", "04c000022a0601bb")]
    [InlineData("/ip4/127.0.0.1/udp/1234", "047f000001910204d2")]
    [InlineData("/ip6/::1/tcp/4001", "2900000000000000000000000000000001060fa1")]
    [InlineData("/dns4/example.com/tcp/80", "360b6578616d706c652e636f6d060050")]
    [InlineData("/memory/7", "8906" + "0000000000000007")]
    public void Text_and_binary_forms_match_the_vectors(string text, string hex)
    {
        var address = Multiaddr.Parse(text);
        Assert.Equal(hex, Convert.ToHexString(address.ToBytes()).ToLowerInvariant());
        Assert.Equal(text, address.ToString());
        Assert.Equal(address, Multiaddr.FromBytes(Convert.FromHexString(hex)));
    }

    [Fact]
    public void P2p_and_its_ipfs_alias_carry_the_peer_id()
    {
        const string id = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
        var address = Multiaddr.Parse($"/ip4/1.2.3.4/tcp/4001/ipfs/{id}");
        Assert.Equal($"/ip4/1.2.3.4/tcp/4001/p2p/{id}", address.ToString());
        Assert.Equal(PeerId.Parse(id), address.PeerId);
        Assert.Equal("/ip4/1.2.3.4/tcp/4001", address.WithoutPeerId().ToString());
        Assert.Equal(address, address.WithoutPeerId().WithPeerId(PeerId.Parse(id)));
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("1.2.3.4"), 4001), address.ToTcpEndPoint());
    }

    [Theory]
    [InlineData("", "must start with '/'")]
    [InlineData("ip4/1.2.3.4", "must start with '/'")]
    [InlineData("/ip4/300.1.1.1", "not an IPv4 address")]
    [InlineData("/ip4/1.2.3", "not an IPv4 address")]
    [InlineData("/ip6/1.2.3.4", "not an IPv6 address")]
    [InlineData("/ip4/1.2.3.4/tcp/65536", "not a port")]
    [InlineData("/ip4/1.2.3.4/tcp/-1", "not a port")]
    [InlineData("/ip4/1.2.3.4/tcp", "needs a value")]
    [InlineData("/bogus/1", "unknown protocol 'bogus'")]
    [InlineData("/p2p/notapeer", "not a peer id")]
    [InlineData("/dns4//tcp/1", "empty value")]
    public void Bad_text_is_rejected_with_a_message_saying_what(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Multiaddr.Parse(text));
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("04c00002", "truncated in the value of 'ip4'")]
    [InlineData("ffff03", "unknown protocol code")]
    [InlineData("368002", "exceeds")]
    [InlineData("3605616263", "truncated in the value of 'dns4'")]
    [InlineData("80", "truncated in a protocol code")]
    public void Bad_binary_is_rejected_with_a_message_saying_what(string hex, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Multiaddr.FromBytes(Convert.FromHexString(hex)));
        Assert.Contains(expected, error.Message);
    }

    [Property(MaxTest = 2000)]
    public void Random_bytes_never_crash_the_binary_parser(byte[] bytes)
    {
        try
        {
            var address = Multiaddr.FromBytes(bytes);
            Assert.Equal(address, Multiaddr.Parse(address.ToString()));
        }
        catch (FormatException) { }
    }
}
