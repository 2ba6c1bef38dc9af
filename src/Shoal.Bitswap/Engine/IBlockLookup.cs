using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>The core's synchronous view of the local block store: the server looks blocks up while it
/// decides, without I/O of its own. The Lab backs it with a dictionary; a node with a memory store or a
/// small fast disk store adapts its <see cref="IBlockStore"/>.</summary>
public interface IBlockLookup
{
    /// <summary>Size of the block's data, or -1 when we do not have it.</summary>
    int GetSize(Cid cid);

    /// <summary>The block, or null when we do not have it.</summary>
    Block? Get(Cid cid);
}
