using System.Buffers.Text;

namespace Shoal.Core;

/// <summary>Multibase: a one-character prefix naming the text encoding of the bytes that follow.</summary>
public static class Multibase
{
    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private static readonly BaseX Base36 = new("base36", "0123456789abcdefghijklmnopqrstuvwxyz", caseInsensitive: false);
    private static readonly BaseX Base36Upper = new("base36upper", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");

    public static char PrefixOf(MultibaseEncoding encoding) => encoding switch
    {
        MultibaseEncoding.Base32Lower => 'b',
        MultibaseEncoding.Base58Btc => 'z',
        MultibaseEncoding.Base36Lower => 'k',
        MultibaseEncoding.Base16Lower => 'f',
        MultibaseEncoding.Base64 => 'm',
        MultibaseEncoding.Base64Url => 'u',
        _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
    };

    public static string Encode(MultibaseEncoding encoding, ReadOnlySpan<byte> data)
    {
        char prefix = PrefixOf(encoding);
        return encoding switch
        {
            MultibaseEncoding.Base32Lower => EncodeBase32(prefix, data),
            MultibaseEncoding.Base58Btc => prefix + Base58.Encode(data),
            MultibaseEncoding.Base36Lower => prefix + Base36.Encode(data),
            MultibaseEncoding.Base16Lower => prefix + Convert.ToHexStringLower(data),
            MultibaseEncoding.Base64 => prefix + Convert.ToBase64String(data).TrimEnd('='),
            MultibaseEncoding.Base64Url => prefix + Base64Url.EncodeToString(data),
            _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
        };
    }

    /// <summary>Decodes multibase text; throws <see cref="FormatException"/> for an unknown prefix or bad characters.</summary>
    public static byte[] Decode(string text) => Decode(text, out _);

    public static byte[] Decode(string text, out char prefix)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new FormatException("multibase text is empty");
        prefix = text[0];
        var body = text.AsSpan(1);
        return prefix switch
        {
            'b' => DecodeBase32(body, lower: true),
            'B' => DecodeBase32(body, lower: false),
            'z' => Base58.Decode(body),
            'k' => Base36.Decode(body),
            'K' => Base36Upper.Decode(body),
            'f' or 'F' => DecodeBase16(body),
            'm' => DecodeBase64(body, url: false),
            'u' => DecodeBase64(body, url: true),
            _ => throw new FormatException($"unsupported multibase prefix '{prefix}'"),
        };
    }

    internal static string EncodeBase32(char? prefix, ReadOnlySpan<byte> data)
    {
        int chars = (data.Length * 8 + 4) / 5;
        int total = chars + (prefix is null ? 0 : 1);
        Span<char> dest = total <= 512 ? stackalloc char[total] : new char[total];
        int o = 0;
        if (prefix is char p) dest[o++] = p;
        int buffer = 0, bits = 0;
        foreach (byte b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                dest[o++] = Base32Alphabet[(buffer >> bits) & 31];
            }
        }
        if (bits > 0) dest[o++] = Base32Alphabet[(buffer << (5 - bits)) & 31];
        return new string(dest[..o]);
    }

    internal static byte[] DecodeBase32(ReadOnlySpan<char> text, bool lower)
    {
        var result = new byte[text.Length * 5 / 8];
        int buffer = 0, bits = 0, o = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            int v;
            if (lower ? c is >= 'a' and <= 'z' : c is >= 'A' and <= 'Z') v = c - (lower ? 'a' : 'A');
            else if (c is >= '2' and <= '7') v = c - '2' + 26;
            else throw new FormatException($"invalid base32 character '{c}' at position {i}");
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                result[o++] = (byte)(buffer >> bits);
            }
        }
        // RFC 4648 without padding: a trailing group must be 2, 4, 5 or 7 characters and its spare bits zero.
        if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0) throw new FormatException("invalid base32 length or trailing bits");
        return result;
    }

    private static byte[] DecodeBase16(ReadOnlySpan<char> text)
    {
        if (text.Length % 2 != 0) throw new FormatException("base16 text has an odd number of characters");
        return Convert.FromHexString(text);
    }

    private static byte[] DecodeBase64(ReadOnlySpan<char> text, bool url)
    {
        if (text.Length % 4 == 1) throw new FormatException("invalid base64 length");
        foreach (char c in text)
        {
            bool ok = c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9')
                || (url ? c is '-' or '_' : c is '+' or '/');
            if (!ok) throw new FormatException($"invalid base64 character '{c}'");
        }
        if (url) return Base64Url.DecodeFromChars(text);
        int padded = (text.Length + 3) / 4 * 4;
        Span<char> buf = padded <= 512 ? stackalloc char[padded] : new char[padded];
        text.CopyTo(buf);
        buf[text.Length..].Fill('=');
        return Convert.FromBase64String(new string(buf));
    }
}
