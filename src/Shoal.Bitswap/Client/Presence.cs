namespace Shoal.Bitswap;

/// <summary>What a peer told a session about one block; the order is the preference (boxo's BlockPresence).</summary>
internal enum Presence : byte
{
    DontHave = 0,
    Unknown = 1,
    Have = 2,
}
