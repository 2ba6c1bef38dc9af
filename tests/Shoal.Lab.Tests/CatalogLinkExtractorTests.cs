using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Lab.Content;
using Shoal.Lab.Strategies;
using Xunit;

namespace Shoal.Lab.Tests;

public sealed class CatalogLinkExtractorTests
{
    [Fact]
    public void Catalog_links_equal_the_decoded_links_of_every_block()
    {
        // Small chunks so the DAG has inner nodes with many links, and a tiny part whose root is a leaf.
        var scenario = Scenarios.Read(Scenarios.Lan(1, 1, "4MiB, 3KiB", chunk: "16KiB", objectType: "oci"));
        var catalog = new UnixFsCatalogBuilder().Build(scenario.Objects, scenario.RandomSeed);
        var ids = new Dictionary<Cid, int>();
        foreach (var b in catalog.Blocks) ids[b.Block!.Cid] = b.Id;
        var extractor = new CatalogLinkExtractor(catalog, ids);

        int withLinks = 0;
        foreach (var b in catalog.Blocks)
        {
            var decoded = new List<Cid>();
            DagPbLinkExtractor.Instance.GetLinks(b.Block!, decoded);
            var fromCatalog = new List<Cid>();
            extractor.GetLinks(b.Block!, fromCatalog);
            Assert.Equal(decoded, fromCatalog);
            if (decoded.Count > 0) withLinks++;
        }
        Assert.True(withLinks >= 2, $"only {withLinks} blocks with links: the DAG is too flat to test anything");
    }

    [Fact]
    public void A_block_outside_the_catalog_is_decoded()
    {
        var scenario = Scenarios.Read(Scenarios.Lan(1, 1, "64KiB", chunk: "16KiB", objectType: "oci"));
        var catalog = new UnixFsCatalogBuilder().Build(scenario.Objects, scenario.RandomSeed);
        var extractor = new CatalogLinkExtractor(catalog, new Dictionary<Cid, int>());
        var root = catalog[catalog.Parts[0].RootId].Block!;

        var links = new List<Cid>();
        extractor.GetLinks(root, links);

        Assert.Equal(catalog[catalog.Parts[0].RootId].Children.Select(c => catalog[c].Block!.Cid), links);
        Assert.NotEmpty(links);
    }
}
