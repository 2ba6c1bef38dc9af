namespace Shoal.Dht;

/// <summary>Counters of what the server side handled and refused (read for metrics and tests).</summary>
public sealed class DhtServerStats
{
    private long _requests, _providersAccepted, _providersRejected, _refused;

    public long Requests => Interlocked.Read(ref _requests);

    public long ProvidersAccepted => Interlocked.Read(ref _providersAccepted);

    /// <summary>Provider entries refused: about another peer, without addresses, or over a store bound.</summary>
    public long ProvidersRejected => Interlocked.Read(ref _providersRejected);

    /// <summary>Requests refused (malformed, oversized, unsupported or unacceptable); each reset its stream.</summary>
    public long RequestsRefused => Interlocked.Read(ref _refused);

    internal void Request() => Interlocked.Increment(ref _requests);

    internal void ProviderAccepted() => Interlocked.Increment(ref _providersAccepted);

    internal void ProviderRejected() => Interlocked.Increment(ref _providersRejected);

    internal void RequestRefused() => Interlocked.Increment(ref _refused);
}
