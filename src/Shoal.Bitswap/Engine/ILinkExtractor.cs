using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>Finds the children of a block so a session can walk a DAG without knowing its format
/// (DAG-PB/UnixFS here, anything else later).</summary>
public interface ILinkExtractor
{
    /// <summary>Appends the CIDs <paramref name="block"/> links to, in order. Throws for a malformed block.</summary>
    void GetLinks(Block block, List<Cid> links);
}
