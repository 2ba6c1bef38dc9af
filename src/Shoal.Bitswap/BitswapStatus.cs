using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>Counters and the CIDs wanted right now, read together on the loop (<see cref="Bitswap.GetStatusAsync"/>).</summary>
public sealed record BitswapStatus(BitswapStats Stats, IReadOnlyList<Cid> Wantlist);
