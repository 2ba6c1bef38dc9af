namespace Shoal.Core;

/// <summary>Bytes together with the CID they hash to.</summary>
public sealed class Block
{
    private Block(Cid cid, ReadOnlyMemory<byte> data)
    {
        Cid = cid;
        Data = data;
    }

    public Cid Cid { get; }

    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Verifies that <paramref name="data"/> hashes to <paramref name="cid"/>; throws
    /// <see cref="InvalidDataException"/> on a mismatch (the trust boundary for received blocks).</summary>
    public static Block Create(Cid cid, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(cid);
        if (!Multihash.IsSupported(cid.Hash.Code))
            throw new InvalidDataException($"block {cid}: hash function {MulticodecCode.NameOf(cid.Hash.Code)} is not supported");
        if (!cid.Hash.Matches(data.Span))
            throw new InvalidDataException($"block data does not hash to {cid} ({data.Length} bytes)");
        return new Block(cid, data);
    }

    /// <summary>Hashes <paramref name="data"/> (sha2-256) and wraps it.</summary>
    public static Block Compute(ReadOnlyMemory<byte> data, ulong codec = MulticodecCode.Raw, int version = 1)
        => new(Cid.Compute(version, codec, data.Span), data);

    /// <summary>For bytes whose CID was just computed from them or already verified (stores re-keying).</summary>
    internal static Block CreateTrusted(Cid cid, ReadOnlyMemory<byte> data) => new(cid, data);

    public override string ToString() => $"{Cid} ({Data.Length} bytes)";
}
