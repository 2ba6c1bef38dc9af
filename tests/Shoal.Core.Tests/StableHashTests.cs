using System.Text;
using Shoal.Core;

namespace Shoal.Core.Tests;

public class StableHashTests
{
    // FNV-1a 32-bit reference values: the hash must be the same in every process, unlike HashCode.
    [Theory]
    [InlineData("", 0x811c9dc5u)]
    [InlineData("a", 0xe40c292cu)]
    [InlineData("foobar", 0xbf9cf968u)]
    public void StableHash_matches_fnv1a_reference_values(string text, uint expected)
        => Assert.Equal(unchecked((int)expected), StableHash.Of(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Cid_hash_code_is_the_stable_hash_of_its_bytes()
    {
        var cid = Cid.Parse("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
        Assert.Equal(StableHash.Of(cid.Bytes.Span), cid.GetHashCode());
    }

    [Fact]
    public void Combine_depends_on_every_argument_and_their_order()
    {
        Assert.NotEqual(StableHash.Combine(42, 1), StableHash.Combine(42, 2));
        Assert.NotEqual(StableHash.Combine(1, 2, 3), StableHash.Combine(3, 2, 1));
        Assert.Equal(StableHash.Combine(7, 8, 9), StableHash.Combine(7, 8, 9));
    }
}
