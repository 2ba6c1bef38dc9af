using Shoal.Net;

namespace Shoal.Dht;

/// <summary>"<see cref="Provider"/> has the content of a key", as stored by a DHT server.</summary>
public sealed record ProviderRecord(PeerId Provider, IReadOnlyList<Multiaddr> Addresses, DateTimeOffset ReceivedAt, DateTimeOffset AddressesExpireAt)
{
    /// <summary>The addresses while they are fresh, else none (the provider may have moved).</summary>
    public IReadOnlyList<Multiaddr> AddressesAt(DateTimeOffset now) => now < AddressesExpireAt ? Addresses : [];
}
