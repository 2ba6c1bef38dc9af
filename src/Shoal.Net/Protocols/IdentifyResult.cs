namespace Shoal.Net;

/// <summary>What a peer said about itself in identify.</summary>
public sealed record IdentifyResult(
    PeerId PeerId,
    PublicKey? PublicKey,
    string? ProtocolVersion,
    string? AgentVersion,
    IReadOnlyList<Multiaddr> ListenAddresses,
    IReadOnlyList<string> Protocols,
    Multiaddr? ObservedAddress);
