using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>Where the shell looks for providers when sessions run dry (the DHT through IContentRouting in a
/// node; a table in tests). Implementations make the found peers dialable before yielding them.</summary>
public interface IProviderFinder
{
    IAsyncEnumerable<PeerId> FindProvidersAsync(Cid cid, int maxProviders, CancellationToken ct = default);
}
