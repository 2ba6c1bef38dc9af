namespace Shoal.Bitswap;

/// <summary>The answer to a want without the block itself (Bitswap 1.2.0).</summary>
public enum BlockPresenceType
{
    Have = 0,
    DontHave = 1,
}
