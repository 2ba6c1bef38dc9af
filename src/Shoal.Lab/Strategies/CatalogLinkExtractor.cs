using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Lab.Content;

namespace Shoal.Lab.Strategies;

/// <summary>
/// The links of a catalog block, read from the catalog (which decoded each block once when it was built) instead of
/// decoding the block again at every node that receives it: decoding copies a leaf's data, 256 KiB per block, which
/// at 1,000 nodes was gigabytes of garbage. Gives exactly what <see cref="DagPbLinkExtractor"/> gives (the catalog's
/// children are the block's links in order); a block the catalog does not know is decoded.
/// </summary>
public sealed class CatalogLinkExtractor(ContentCatalog catalog, IReadOnlyDictionary<Cid, int> blockIds) : ILinkExtractor
{
    public void GetLinks(Block block, List<Cid> links)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(links);
        if (block.Cid.Codec != MulticodecCode.DagPb) return;
        // The CID names the bytes (a block is stored only after it hashed to its CID), so a known CID has the catalog's links.
        if (!blockIds.TryGetValue(block.Cid, out var id) || catalog[id].Block is null)
        {
            DagPbLinkExtractor.Instance.GetLinks(block, links);
            return;
        }
        foreach (var child in catalog[id].Children) links.Add(catalog[child].Block!.Cid);
    }
}
