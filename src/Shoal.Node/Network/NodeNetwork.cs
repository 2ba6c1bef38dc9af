using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// The node's networking: libp2p host, Bitswap and the DHT, composed from Shoal.Net, Shoal.Bitswap and
/// Shoal.Dht. Each piece plugs in here as it lands.
/// </summary>
internal sealed class NodeNetwork : IAsyncDisposable
{
    private readonly ShoalNode _node;

    private NodeNetwork(ShoalNode node) => _node = node;

    public static Task<NodeNetwork> StartAsync(ShoalNode node, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(new NodeNetwork(node));
    }

    public string PeerId => _node.Config.Identity.PeerId ?? "";

    public IReadOnlyList<string> ListenAddresses => [];

    public IdResult BuildId() => new(PeerId, "", ListenAddresses, ShoalNode.AgentVersion, []);

    public ValueTask<Block?> FetchAsync(Cid cid, CancellationToken ct) => ValueTask.FromResult<Block?>(null);

    public Task ProvideAsync(Cid cid, CancellationToken ct) => Task.CompletedTask;

    public Task<IReadOnlyList<string>> ConnectAsync(string multiaddr, CancellationToken ct) =>
        throw new NotSupportedException("libp2p is not wired into the node yet");

    public IReadOnlyList<SwarmPeer> Peers() => [];

    public Task<IdResult> IdentifyAsync(string peerId, CancellationToken ct) =>
        throw new NotSupportedException("libp2p is not wired into the node yet");

#pragma warning disable CS1998 // async iterators without awaits until the pieces land
    public async IAsyncEnumerable<PingResult> PingAsync(string multiaddr, int count, [EnumeratorCancellation] CancellationToken ct)
    {
        throw new NotSupportedException("libp2p is not wired into the node yet");
#pragma warning disable CS0162
        yield break;
#pragma warning restore CS0162
    }

    public async IAsyncEnumerable<ProviderResult> FindProvidersAsync(Cid cid, int maxProviders, [EnumeratorCancellation] CancellationToken ct)
    {
        throw new NotSupportedException("the DHT is not wired into the node yet");
#pragma warning disable CS0162
        yield break;
#pragma warning restore CS0162
    }
#pragma warning restore CS1998

    public BitswapStatResult BitswapStat() => new(0, 0, 0, 0, 0, 0, 0, [], []);

    public BandwidthStatResult BandwidthStat() => new(0, 0, 0, 0);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
