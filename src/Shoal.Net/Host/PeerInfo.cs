namespace Shoal.Net;

/// <summary>What we know about a peer: where to reach it, what it speaks, what it runs.</summary>
public sealed record PeerInfo(PeerId Id, IReadOnlyList<Multiaddr> Addresses, IReadOnlyList<string> Protocols, string? AgentVersion);
