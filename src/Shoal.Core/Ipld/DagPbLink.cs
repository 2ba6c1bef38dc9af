namespace Shoal.Core;

/// <summary>A DAG-PB link: <c>PBLink { bytes Hash = 1; string Name = 2; uint64 Tsize = 3; }</c>.
/// Null Name/Tsize are absent on the wire; an empty Name is written as <c>12 00</c> (UnixFS file links).</summary>
public sealed record DagPbLink(Cid Hash, string? Name, ulong? Tsize);
