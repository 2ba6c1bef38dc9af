using System.Text;

namespace Shoal.Node.Tests;

public class Murmur3Tests
{
    // Reference values from @multiformats/murmur3 (what js-ipfs-unixfs shards by), h1 then h2 in hex.
    [Theory]
    [InlineData("", "00000000000000000000000000000000")]
    [InlineData("hello", "cbd8a7b341bd9b025b1e906a48ae1d19")]
    [InlineData("file-599.txt0123", "0de26a303ccfb93948a02e7f64134857")]          // exactly one 16-byte block
    [InlineData("The quick brown fox jumps over the lazy dog", "e34bbc7bbc071b6c7a433ca9c49a9347")] // blocks and a tail
    public void Hash128_matches_the_reference_implementation(string text, string expected)
    {
        var (h1, h2) = Murmur3.Hash128(Encoding.UTF8.GetBytes(text));
        Assert.Equal(expected, $"{h1:x16}{h2:x16}");
    }
}
