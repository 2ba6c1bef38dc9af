namespace Shoal.Core;

/// <summary>What a UnixFS root is: its type, content size (files) and the CID of the node.</summary>
public sealed record UnixFsStat(Cid Cid, UnixFsType Type, long Size, int BlockSize, int LinkCount);
