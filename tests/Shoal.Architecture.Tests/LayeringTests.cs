using System.Reflection;

namespace Shoal.Architecture.Tests;

// DESIGN.md's layering rule, enforced: an assembly references only Shoal assemblies below it.
public class LayeringTests
{
    // Rank in the stack; an assembly may reference only assemblies of a strictly lower rank.
    private static readonly Dictionary<string, int> Rank = new()
    {
        ["Shoal.Core"] = 0,
        ["Shoal.Net"] = 1,
        ["Shoal.Registry"] = 1,
        ["Shoal.Bitswap"] = 2,
        ["Shoal.Dht"] = 2,
        ["Shoal.Node"] = 3,
        ["Shoal.Lab"] = 4,
        ["shoal"] = 5,
    };

    public static TheoryData<string> Assemblies()
    {
        var data = new TheoryData<string>();
        foreach (var name in Rank.Keys) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Assembly_references_only_layers_below_it(string name)
    {
        var assembly = Assembly.Load(name);
        foreach (var reference in assembly.GetReferencedAssemblies())
        {
            if (reference.Name is null || !Rank.TryGetValue(reference.Name, out var refRank)) continue;
            Assert.True(refRank < Rank[name], $"{name} (layer {Rank[name]}) must not reference {reference.Name} (layer {refRank})");
        }
    }

    [Fact]
    public void Core_references_no_other_shoal_assembly()
    {
        var core = Assembly.Load("Shoal.Core");
        foreach (var r in core.GetReferencedAssemblies())
            Assert.False(r.Name!.StartsWith("Shoal.", StringComparison.Ordinal), $"Shoal.Core references {r.Name}");
    }

    [Fact]
    public void Protocol_layers_never_reference_composition_layers()
    {
        string[] protocol = ["Shoal.Bitswap", "Shoal.Dht", "Shoal.Net"];
        string[] composition = ["Shoal.Node", "Shoal.Registry", "Shoal.Lab", "shoal"];
        foreach (var p in protocol)
            foreach (var r in Assembly.Load(p).GetReferencedAssemblies())
                Assert.DoesNotContain(r.Name, composition);
    }
}
