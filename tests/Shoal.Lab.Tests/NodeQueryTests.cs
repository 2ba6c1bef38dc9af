using Shoal.Lab.Definitions;

namespace Shoal.Lab.Tests;

public class NodeQueryTests
{
    private static readonly IReadOnlyList<ClusterNode> Nodes = ClusterNode.Expand(new ClusterDefinition("q",
    [
        new NodeGroupDefinition("neighbors", 2, ["seeder"], "east", 1, 1, 0, TimeSpan.Zero),
        new NodeGroupDefinition("east", 3, ["leecher"], "east", 1, 1, 0, TimeSpan.Zero),
        new NodeGroupDefinition("west", 4, ["leecher", "slow"], "west", 1, 1, 0, TimeSpan.Zero),
    ], [], new RegistryDefinition("east", 1, 1, TimeSpan.Zero)));

    private static string[] Names(string query, int seed = 1) => NodeQuery.Parse(query).Select(Nodes, new Random(seed)).Select(n => n.Name).ToArray();

    [Fact]
    public void Label_group_and_region_select_nodes()
    {
        Assert.Equal(["neighbors-0", "neighbors-1"], Names("neighbors"));
        Assert.Equal(["neighbors-0", "neighbors-1"], Names("'seeder'"));
        Assert.Equal(7, Names("leecher").Length);
        Assert.Equal(["west-0", "west-1", "west-2", "west-3"], Names("slow"));
        Assert.Equal(5, Names("east").Length); // region east holds both the neighbors and the east group
        Assert.Equal(["east-2"], Names("east-2"));
        Assert.Equal(9, Names("*").Length);
    }

    [Fact]
    public void Not_and_or_combine()
    {
        Assert.Equal(7, Names("(not 'neighbors')").Length);
        Assert.Equal(["east-0", "east-1", "east-2"], Names("(and 'leecher' 'east')"));
        Assert.Equal(6, Names("(or neighbors slow)").Length);
        Assert.Equal(["east-0", "east-1", "east-2"], Names("(and leecher (not slow))"));
    }

    [Fact]
    public void Random_picks_n_nodes_of_the_inner_query_reproducibly()
    {
        var a = Names("(random 3 leecher)", seed: 5);
        var b = Names("(random 3 leecher)", seed: 5);
        Assert.Equal(a, b);
        Assert.Equal(3, a.Length);
        Assert.All(a, n => Assert.DoesNotContain("neighbors", n));
        var differentSeeds = Enumerable.Range(0, 10).Select(s => string.Join(",", Names("(random 3 leecher)", s))).Distinct().Count();
        Assert.True(differentSeeds > 1);
    }

    [Fact]
    public void Random_asking_for_too_many_fails()
        => Assert.Throws<InvalidOperationException>(() => Names("(random 3 neighbors)"));

    [Theory]
    [InlineData("(not 'a'")]
    [InlineData("(and)")]
    [InlineData("not a")]
    [InlineData("(random x a)")]
    [InlineData("a b")]
    [InlineData("'unterminated")]
    [InlineData("")]
    public void Malformed_queries_are_format_errors(string text)
        => Assert.Throws<FormatException>(() => NodeQuery.Parse(text));
}
