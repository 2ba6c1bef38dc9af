namespace Shoal.Bitswap;

/// <summary>The Bitswap protocol a stream negotiated; decides which message fields the peer understands.</summary>
public enum BitswapProtocolVersion
{
    /// <summary>/ipfs/bitswap/1.0.0 and the bare /ipfs/bitswap: blocks as raw bytes, CIDv0 only.</summary>
    V100 = 100,

    /// <summary>/ipfs/bitswap/1.1.0: blocks with a CID prefix (CIDv1).</summary>
    V110 = 110,

    /// <summary>/ipfs/bitswap/1.2.0: want-have, HAVE / DONT_HAVE, pendingBytes.</summary>
    V120 = 120,
}
