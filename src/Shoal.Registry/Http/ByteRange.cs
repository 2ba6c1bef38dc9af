namespace Shoal.Registry;

/// <summary>A single <c>Range: bytes=...</c> request resolved against a blob's length (RFC 9110 §14.1.2).
/// Multi-range requests are answered with the whole blob, as the RFC allows.</summary>
public readonly record struct ByteRange(long Start, long Length, bool Satisfiable)
{
    /// <summary>Null when there is no usable Range header (serve everything).</summary>
    public static ByteRange? Parse(string? header, long total)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        header = header.Trim();
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) return null;
        var spec = header[6..].Trim();
        if (spec.Contains(',', StringComparison.Ordinal)) return null;
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0) return null;
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            // suffix range: the last N bytes
            if (!long.TryParse(last, out var suffix) || suffix < 0) return null;
            if (suffix == 0 || total == 0) return new ByteRange(0, 0, false);
            var n = Math.Min(suffix, total);
            return new ByteRange(total - n, n, true);
        }
        if (!long.TryParse(first, out var start) || start < 0) return null;
        long end = total - 1;
        if (last.Length > 0)
        {
            if (!long.TryParse(last, out end) || end < start) return null;
            end = Math.Min(end, total - 1);
        }
        if (start >= total) return new ByteRange(0, 0, false);
        return new ByteRange(start, end - start + 1, true);
    }
}
