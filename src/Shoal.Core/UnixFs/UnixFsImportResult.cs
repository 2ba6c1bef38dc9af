namespace Shoal.Core;

/// <summary>The outcome of an import: the root CID, the file's byte count, the DAG's cumulative size
/// (what a parent link's Tsize would be) and how many blocks were written.</summary>
public sealed record UnixFsImportResult(Cid Root, long FileSize, ulong DagSize, long BlockCount);
