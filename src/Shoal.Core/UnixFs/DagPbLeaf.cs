namespace Shoal.Core;

/// <summary>Writes a UnixFS File leaf around a chunk already in place, so the chunk is copied once (from the
/// stream into its block). Layout, byte-exact with Kubo and Helia:
/// <c>0a len(unixfs) | 08 02 | 12 len(chunk) chunk | 18 filesize</c>; an empty chunk has no Data field.</summary>
internal static class DagPbLeaf
{
    private static int UnixFsLength(int chunk)
        => 2 + (chunk == 0 ? 0 : 1 + Varint.SizeOf((ulong)chunk) + chunk) + 1 + Varint.SizeOf((ulong)chunk);

    /// <summary>Bytes before the chunk: PBNode Data key and length, UnixFS Type, UnixFS Data key and length.</summary>
    public static int PrefixLength(int chunk)
        => 1 + Varint.SizeOf((ulong)UnixFsLength(chunk)) + 2 + (chunk == 0 ? 0 : 1 + Varint.SizeOf((ulong)chunk));

    /// <summary>Bytes after the chunk: the filesize field.</summary>
    public static int SuffixLength(int chunk) => 1 + Varint.SizeOf((ulong)chunk);

    /// <summary>Copies a short (last) chunk into an array laid out for its own length.</summary>
    public static byte[] Relayout(ReadOnlySpan<byte> chunk)
    {
        var block = GC.AllocateUninitializedArray<byte>(PrefixLength(chunk.Length) + chunk.Length + SuffixLength(chunk.Length));
        chunk.CopyTo(block.AsSpan(PrefixLength(chunk.Length)));
        return block;
    }

    /// <summary>Moves a short (last) chunk inside a pooled buffer to where its own, shorter prefix ends.</summary>
    public static Memory<byte> RelayoutInPlace(byte[] buffer, int chunkOffset, int chunk)
    {
        int prefix = PrefixLength(chunk);
        buffer.AsSpan(chunkOffset, chunk).CopyTo(buffer.AsSpan(prefix));
        return buffer.AsMemory(0, prefix + chunk + SuffixLength(chunk));
    }

    /// <summary>Fills in the wrapper of a block whose chunk (of <paramref name="chunk"/> bytes) is already in place.</summary>
    public static void WriteWrapper(Span<byte> block, int chunk)
    {
        int o = 0;
        block[o++] = 0x0a; // PBNode.Data
        o += Varint.Write(block[o..], (ulong)UnixFsLength(chunk));
        block[o++] = 0x08; // UnixFS Type
        block[o++] = (byte)UnixFsType.File;
        if (chunk > 0)
        {
            block[o++] = 0x12; // UnixFS Data
            o += Varint.Write(block[o..], (ulong)chunk);
        }
        o += chunk;
        block[o++] = 0x18; // UnixFS filesize
        Varint.Write(block[o..], (ulong)chunk);
    }
}
