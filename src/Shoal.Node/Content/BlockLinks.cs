using Shoal.Bitswap;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// The links of a block by its codec: dag-pb Links, dag-cbor tag-42 CIDs, none for raw (and for codecs this
/// node cannot read, which are then leaves). Pinning, gc, CAR export and Bitswap DAG fetches all walk with it.
/// </summary>
public sealed class BlockLinks : ILinkExtractor
{
    public static readonly BlockLinks Instance = new();

    /// <summary>True when blocks of this codec may link to others (so a walk must read them).</summary>
    public static bool MayHaveLinks(ulong codec) => codec is MulticodecCode.DagPb or MulticodecCode.DagCbor;

    public static void Extract(Block block, List<Cid> links)
    {
        switch (block.Cid.Codec)
        {
            case MulticodecCode.DagPb:
                foreach (var link in DagPb.Decode(block.Data.Span).Links) links.Add(link.Hash);
                break;
            case MulticodecCode.DagCbor:
                DagCborLinks.Extract(block.Data.Span, links);
                break;
        }
    }

    void ILinkExtractor.GetLinks(Block block, List<Cid> links) => Extract(block, links);
}
