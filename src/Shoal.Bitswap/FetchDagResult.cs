namespace Shoal.Bitswap;

/// <summary>Progress and outcome of <see cref="Bitswap.FetchDagAsync"/>: blocks and bytes delivered so far.</summary>
public sealed record FetchDagResult(long Blocks, long Bytes, TimeSpan Elapsed);
