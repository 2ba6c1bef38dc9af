namespace Shoal.Core;

/// <summary>Big-integer radix conversion shared by base58btc and base36 (leading zero bytes map to the
/// alphabet's first character, as in Bitcoin's base58).</summary>
internal sealed class BaseX
{
    /// <summary>Radix conversion is quadratic; CIDs and peer ids are under 100 characters, so 16 KiB of text
    /// is generous while keeping a hostile string from costing seconds.</summary>
    public const int MaxTextLength = 16 * 1024;

    private readonly string _alphabet;
    private readonly sbyte[] _map = new sbyte[128];
    private readonly int _radix;
    private readonly string _name;

    public BaseX(string name, string alphabet, bool caseInsensitive = false)
    {
        _name = name;
        _alphabet = alphabet;
        _radix = alphabet.Length;
        Array.Fill(_map, (sbyte)-1);
        for (int i = 0; i < alphabet.Length; i++)
        {
            _map[alphabet[i]] = (sbyte)i;
            if (caseInsensitive) _map[char.ToUpperInvariant(alphabet[i])] = (sbyte)i;
        }
    }

    public string Encode(ReadOnlySpan<byte> data)
    {
        int zeros = 0;
        while (zeros < data.Length && data[zeros] == 0) zeros++;
        // log(256)/log(36) < 1.55, the worst of the radixes used here.
        int size = (data.Length - zeros) * 155 / 100 + 1;
        Span<byte> digits = size <= 512 ? stackalloc byte[size] : new byte[size];
        digits.Clear();
        int length = 0;
        for (int i = zeros; i < data.Length; i++)
        {
            int carry = data[i];
            int j = 0;
            for (int k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += 256 * digits[k];
                digits[k] = (byte)(carry % _radix);
                carry /= _radix;
            }
            length = j;
        }
        int start = size - length;
        while (start < size && digits[start] == 0) start++;
        int total = zeros + size - start;
        Span<char> chars = total <= 512 ? stackalloc char[total] : new char[total];
        chars[..zeros].Fill(_alphabet[0]);
        for (int i = start, o = zeros; i < size; i++, o++) chars[o] = _alphabet[digits[i]];
        return new string(chars);
    }

    public byte[] Decode(ReadOnlySpan<char> text)
    {
        if (text.Length > MaxTextLength) throw new FormatException($"{_name} text longer than {MaxTextLength} characters");
        int zeros = 0;
        while (zeros < text.Length && text[zeros] == _alphabet[0]) zeros++;
        // log(58)/log(256) < 0.733, the largest of the radixes used here.
        int size = (text.Length - zeros) * 733 / 1000 + 1;
        Span<byte> bytes = size <= 512 ? stackalloc byte[size] : new byte[size];
        bytes.Clear();
        int length = 0;
        for (int i = zeros; i < text.Length; i++)
        {
            char c = text[i];
            int value = c < 128 ? _map[c] : -1;
            if (value < 0) throw new FormatException($"invalid {_name} character '{c}' at position {i}");
            int carry = value;
            int j = 0;
            for (int k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += _radix * bytes[k];
                bytes[k] = (byte)carry;
                carry >>= 8;
            }
            length = j;
        }
        int start = size - length;
        while (start < size && bytes[start] == 0) start++;
        var result = new byte[zeros + size - start];
        bytes[start..].CopyTo(result.AsSpan(zeros));
        return result;
    }
}
