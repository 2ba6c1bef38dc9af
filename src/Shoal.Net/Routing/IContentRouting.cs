using Shoal.Core;

namespace Shoal.Net.Routing;

/// <summary>Finds who has content and announces what we have. Bitswap and the registry mirror use it; the DHT implements it.</summary>
public interface IContentRouting
{
    /// <summary>Announces that the local peer can serve <paramref name="cid"/>.</summary>
    Task ProvideAsync(Cid cid, CancellationToken ct = default);
    /// <summary>Streams providers of <paramref name="cid"/> as they are found, at most <paramref name="maxProviders"/>.</summary>
    IAsyncEnumerable<PeerInfo> FindProvidersAsync(Cid cid, int maxProviders, CancellationToken ct = default);
}
