using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>Links of DAG-PB blocks (UnixFS files and directories); raw blocks are leaves. Blocks of other
/// codecs are treated as leaves too: a session fetches what it can name.</summary>
public sealed class DagPbLinkExtractor : ILinkExtractor
{
    public static readonly DagPbLinkExtractor Instance = new();

    public void GetLinks(Block block, List<Cid> links)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (block.Cid.Codec != MulticodecCode.DagPb) return;
        var node = DagPb.Decode(block.Data.Span);
        foreach (var link in node.Links) links.Add(link.Hash);
    }
}
