namespace Shoal.Net;

/// <summary>How a <see cref="P2pHost"/> is built: who it is, how it reaches peers, and its limits.</summary>
public sealed class HostOptions
{
    public Identity Identity { get; init; } = Identity.Generate();
    /// <summary>Transports tried in order for each address; defaults to TCP.</summary>
    public IReadOnlyList<ITransport> Transports { get; init; } = [new TcpTransport()];
    /// <summary>Addresses to listen on (e.g. <c>/ip4/0.0.0.0/tcp/4001</c>, <c>/ip4/127.0.0.1/tcp/0</c>, <c>/memory/0</c>).</summary>
    public IReadOnlyList<Multiaddr> ListenAddresses { get; init; } = [];
    public string AgentVersion { get; init; } = "shoal/0.1.0";
    /// <summary>The identify protocolVersion IPFS peers send.</summary>
    public string ProtocolVersion { get; init; } = "ipfs/0.1.0";
    /// <summary>Open connections at most; beyond it inbound connections are refused (a small daemon's share of file descriptors).</summary>
    public int MaxConnections { get; init; } = 1024;
    /// <summary>Handshake (multistream, Noise, muxer) must finish within this; go-libp2p uses 15 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Stream protocol negotiation must finish within this (go-libp2p: 10 s).</summary>
    public TimeSpan StreamNegotiationTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Addresses remembered per peer; identify and the DHT can send many, we keep the first ones.</summary>
    public int MaxAddressesPerPeer { get; init; } = 32;
    /// <summary>Per-connection stream limits and windows (streams per peer = MaxInboundStreams / MaxOutboundStreams).</summary>
    public YamuxOptions Yamux { get; init; } = new();
    /// <summary>Run identify on every new connection (fills the peer store; js requires our answer too).</summary>
    public bool IdentifyOnConnect { get; init; } = true;
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
