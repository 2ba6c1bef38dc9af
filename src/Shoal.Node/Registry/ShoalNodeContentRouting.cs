using System.Runtime.CompilerServices;
using Shoal.Core;
using Shoal.Net;
using Shoal.Net.Routing;

namespace Shoal.Node;

/// <summary>The node's provide / find-providers (whatever routing it runs: the DHT, or nothing) as an
/// <see cref="IContentRouting"/> for <see cref="P2pBlobRouting"/>.</summary>
internal sealed class ShoalNodeContentRouting(ShoalNode node) : IContentRouting
{
    public async Task ProvideAsync(Cid cid, CancellationToken ct = default)
    {
        try { await node.ProvideAsync(cid, ct).ConfigureAwait(false); }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException) { } // offline or no routing wired: nothing to announce to
    }

    public async IAsyncEnumerable<PeerInfo> FindProvidersAsync(Cid cid, int maxProviders, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var results = node.FindProvidersAsync(cid, maxProviders, ct).GetAsyncEnumerator(ct);
        while (true)
        {
            bool more;
            try { more = await results.MoveNextAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is NotSupportedException or InvalidOperationException) { yield break; } // offline or no routing wired: no providers
            if (!more) yield break;
            var p = results.Current;
            PeerId id;
            try { id = PeerId.Parse(p.Id); }
            catch (FormatException) { continue; }
            var addresses = new List<Multiaddr>();
            foreach (var a in p.Addrs)
                try { addresses.Add(Multiaddr.Parse(a)); } catch (FormatException) { }
            yield return new PeerInfo(id, addresses, [], null);
        }
    }
}
