using System.Runtime.CompilerServices;
using Shoal.Core;
using Shoal.Net;
using Shoal.Net.Routing;

namespace Shoal.Bitswap;

/// <summary>Providers from an <see cref="IContentRouting"/> (the DHT), with their addresses handed to the host
/// so a later dial by peer id finds them.</summary>
public sealed class ContentRoutingProviderFinder(IContentRouting routing, IP2pHost host) : IProviderFinder
{
    public async IAsyncEnumerable<PeerId> FindProvidersAsync(Cid cid, int maxProviders, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var info in routing.FindProvidersAsync(cid, maxProviders, ct).ConfigureAwait(false))
        {
            if (info.Id.Equals(host.LocalPeer)) continue;
            if (info.Addresses.Count > 0) host.AddAddresses(info.Id, info.Addresses);
            yield return info.Id;
        }
    }
}
