namespace Shoal.Bitswap;

internal enum ServerTaskKind : byte
{
    SendDontHave = 0,
    SendHave = 1,
    SendBlock = 2,
}
