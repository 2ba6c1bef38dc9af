using Shoal.Net;

namespace Shoal.Dht;

/// <summary>What a <see cref="Lookup"/> asks its driver to do.</summary>
public enum LookupActionKind
{
    /// <summary>Send the lookup's request to <see cref="LookupAction.Peer"/> (addresses, when known, in <see cref="LookupAction.Info"/>).</summary>
    SendRequest,

    /// <summary>A new provider arrived (GET_PROVIDERS): hand <see cref="LookupAction.Info"/> to the caller now.</summary>
    ProviderFound,

    /// <summary>A request to <see cref="LookupAction.Peer"/> failed or timed out: the driver may evict it from its routing table.</summary>
    PeerUnreachable,

    /// <summary>The lookup is over; read <see cref="Lookup.EndReason"/> and <see cref="Lookup.ClosestPeers"/>.</summary>
    Finished,
}

/// <summary>One output of the lookup state machine.</summary>
public readonly record struct LookupAction(LookupActionKind Kind, PeerId? Peer, PeerInfo? Info);
