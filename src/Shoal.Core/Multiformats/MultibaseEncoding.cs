namespace Shoal.Core;

/// <summary>The multibase encodings Shoal writes; the comment is the prefix character.</summary>
public enum MultibaseEncoding
{
    Base32Lower /* b */,
    Base58Btc /* z */,
    Base36Lower /* k */,
    Base16Lower /* f */,
    Base64 /* m */,
    Base64Url /* u */,
}
