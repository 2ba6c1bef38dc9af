namespace Shoal.Core;

/// <summary>Base58btc (the Bitcoin alphabet), used for CIDv0 and peer ids.</summary>
public static class Base58
{
    private static readonly BaseX Codec = new("base58btc", "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz");

    public static string Encode(ReadOnlySpan<byte> data) => Codec.Encode(data);

    /// <summary>Throws <see cref="FormatException"/> on characters outside the alphabet.</summary>
    public static byte[] Decode(string text) => Codec.Decode(text);

    internal static byte[] Decode(ReadOnlySpan<char> text) => Codec.Decode(text);
}
