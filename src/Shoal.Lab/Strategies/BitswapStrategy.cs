using Shoal.Lab.Definitions;
using Shoal.Lab.Simulation;

namespace Shoal.Lab.Strategies;

/// <summary>Hosts the real Shoal.Bitswap sans-I/O node core on each simulated node (bitswap-1.1, bitswap-1.2, shoal).</summary>
public sealed class BitswapStrategy(PeerDefinition peer) : SimStrategy
{
    public static bool Supports(string strategy) => false;

    public override string Name => peer.Strategy;
    public override string Describe() => "Shoal.Bitswap core";
    public override INodeBehaviour CreateNode(SimNodeHost host) => throw new NotSupportedException("the Bitswap cores are not available yet");
}
