using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>A HAVE or DONT_HAVE for one CID.</summary>
public readonly record struct BlockPresence(Cid Cid, BlockPresenceType Type);
