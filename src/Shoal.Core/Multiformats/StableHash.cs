namespace Shoal.Core;

/// <summary>
/// A hash code that is the same in every process (FNV-1a, 32 bit). <see cref="HashCode"/> is seeded at random
/// per process, which makes the iteration order of dictionaries keyed by CIDs or peer ids, and with it a
/// simulation's outcome, differ from one run of the same scenario and seed to the next.
/// </summary>
public static class StableHash
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    public static int Of(ReadOnlySpan<byte> bytes)
    {
        uint h = OffsetBasis;
        foreach (var b in bytes)
        {
            h ^= b;
            h *= Prime;
        }
        return unchecked((int)h);
    }

    /// <summary>Mixes a few integers (seeds, indexes) into one, identically in every process.</summary>
    public static int Combine(int a, int b, int c = 0)
    {
        Span<byte> bytes = stackalloc byte[12];
        BitConverter.TryWriteBytes(bytes, a);
        BitConverter.TryWriteBytes(bytes[4..], b);
        BitConverter.TryWriteBytes(bytes[8..], c);
        return Of(bytes);
    }
}
