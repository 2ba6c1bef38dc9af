using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>A CID without its digest: version, codec, hash function and digest length. Bitswap 1.1+ sends
/// it with each block; the receiver hashes the data to rebuild the CID, so a block can never claim a CID
/// it does not hash to.</summary>
public readonly record struct BlockPrefix(int Version, ulong Codec, ulong HashCode, int HashLength)
{
    public static int SizeOf(Cid cid)
        => Varint.SizeOf((ulong)cid.Version) + Varint.SizeOf(cid.Codec) + Varint.SizeOf(cid.Hash.Code)
           + Varint.SizeOf((ulong)cid.Hash.Digest.Length);

    public static byte[] Of(Cid cid)
    {
        var bytes = new byte[SizeOf(cid)];
        int o = Varint.Write(bytes, (ulong)cid.Version);
        o += Varint.Write(bytes.AsSpan(o), cid.Codec);
        o += Varint.Write(bytes.AsSpan(o), cid.Hash.Code);
        Varint.Write(bytes.AsSpan(o), (ulong)cid.Hash.Digest.Length);
        return bytes;
    }

    /// <summary>Parses the four varints; throws <see cref="BitswapProtocolException"/> when malformed.</summary>
    public static BlockPrefix Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) throw new BitswapProtocolException("block has an empty CID prefix");
        try
        {
            ulong version = Varint.Read(bytes, out int n);
            bytes = bytes[n..];
            ulong codec = Varint.Read(bytes, out n);
            bytes = bytes[n..];
            ulong hash = Varint.Read(bytes, out n);
            bytes = bytes[n..];
            ulong length = Varint.Read(bytes, out n);
            bytes = bytes[n..];
            if (!bytes.IsEmpty) throw new BitswapProtocolException("trailing bytes after the CID prefix");
            if (version > 1) throw new BitswapProtocolException($"block prefix has unknown CID version {version}");
            if (length > Multihash.MaxDigestLength) throw new BitswapProtocolException($"block prefix digest length {length} is too long");
            if (version == 0 && (codec != MulticodecCode.DagPb || hash != MulticodecCode.Sha2_256 || length != 32))
                throw new BitswapProtocolException("a CIDv0 prefix must be dag-pb, sha2-256, 32 bytes");
            return new BlockPrefix((int)version, codec, hash, (int)length);
        }
        catch (FormatException e)
        {
            throw new BitswapProtocolException($"malformed CID prefix: {e.Message}", e);
        }
    }

    /// <summary>Hashes <paramref name="data"/> and returns the block with the CID this prefix describes, or
    /// null when we cannot compute the hash function (such a block is dropped, not fatal).</summary>
    public Block? Build(ReadOnlyMemory<byte> data)
    {
        if (HashCode == MulticodecCode.Sha2_256 && HashLength == 32)
            return Block.Compute(data, Codec, Version);
        if (HashCode == MulticodecCode.Identity)
        {
            if (HashLength != data.Length) throw new BitswapProtocolException("identity block length does not match its prefix");
            if (data.Length > Multihash.MaxDigestLength) return null;
            return Block.Create(Cid.Create(Version, Codec, Multihash.Sum(MulticodecCode.Identity, data.Span)), data);
        }
        if (!Multihash.IsSupported(HashCode) || Multihash.DigestLengthOf(HashCode) != HashLength) return null;
        var cid = Cid.Compute(Version, Codec, data.Span, HashCode);
        return Block.Create(cid, data);
    }
}
