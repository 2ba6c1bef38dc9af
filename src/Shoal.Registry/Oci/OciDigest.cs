using System.Security.Cryptography;

namespace Shoal.Registry;

/// <summary>An OCI content digest, <c>algorithm:hex</c>. Only sha256 and sha512 are accepted: they are the
/// registered algorithms of the OCI image spec, and the only ones a registry must verify.</summary>
public sealed class OciDigest : IEquatable<OciDigest>
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    private OciDigest(string algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
    }

    public string Algorithm { get; }

    /// <summary>The encoded part: lowercase hex, 64 characters for sha256, 128 for sha512.</summary>
    public string Hex { get; }

    /// <summary>The raw digest bytes.</summary>
    public byte[] ToBytes() => Convert.FromHexString(Hex);

    public static bool LooksLikeDigest(string reference) => reference.Contains(':', StringComparison.Ordinal);

    public static bool TryParse(string? text, out OciDigest? digest)
    {
        digest = null;
        if (string.IsNullOrEmpty(text)) return false;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) return false;
        var algorithm = text[..colon];
        var hex = text[(colon + 1)..];
        var expected = algorithm switch { Sha256 => 64, Sha512 => 128, _ => -1 };
        if (expected < 0 || hex.Length != expected) return false;
        foreach (var c in hex)
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        digest = new OciDigest(algorithm, hex);
        return true;
    }

    public static OciDigest Parse(string text) =>
        TryParse(text, out var d) ? d! : throw new FormatException($"Not a supported OCI digest: '{text}'");

    public static OciDigest Compute(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(content, hash);
        return new OciDigest(Sha256, Convert.ToHexStringLower(hash));
    }

    public static OciDigest FromHash(string algorithm, ReadOnlySpan<byte> hash) =>
        new(algorithm, Convert.ToHexStringLower(hash));

    /// <summary>An incremental hasher for this digest's algorithm.</summary>
    public IncrementalHash CreateHasher() =>
        IncrementalHash.CreateHash(Algorithm == Sha512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256);

    /// <summary>True when the finished hash equals this digest.</summary>
    public bool Matches(ReadOnlySpan<byte> hash)
    {
        Span<byte> expected = stackalloc byte[64];
        var n = Convert.FromHexString(Hex, expected, out _, out var written);
        return n == System.Buffers.OperationStatus.Done && hash.SequenceEqual(expected[..written]);
    }

    public bool Verifies(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[64];
        var n = Algorithm == Sha512 ? SHA512.HashData(content, hash) : SHA256.HashData(content, hash);
        return Matches(hash[..n]);
    }

    public override string ToString() => Algorithm + ":" + Hex;
    public bool Equals(OciDigest? other) => other is not null && other.Algorithm == Algorithm && other.Hex == Hex;
    public override bool Equals(object? obj) => Equals(obj as OciDigest);
    public override int GetHashCode() => HashCode.Combine(Algorithm, Hex);
}
