using Microsoft.Extensions.Logging;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>Source-generated log messages of the DHT, with stable event ids (5000-5099).</summary>
internal static partial class DhtLog
{
    [LoggerMessage(5000, LogLevel.Information, "DHT started in {Mode} mode on {Protocol}; {Records} provider records loaded")]
    public static partial void Started(ILogger logger, DhtMode mode, string protocol, int records);

    [LoggerMessage(5001, LogLevel.Debug, "Inbound DHT stream from {Peer} reset: {Reason}")]
    public static partial void InboundRejected(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(5002, LogLevel.Debug, "DHT request {Type} to {Peer} failed: {Reason}")]
    public static partial void RequestFailed(ILogger logger, string type, PeerId peer, string reason);

    [LoggerMessage(5003, LogLevel.Debug, "Routing table: added {Peer} ({Count} peers)")]
    public static partial void PeerAdded(ILogger logger, PeerId peer, int count);

    [LoggerMessage(5004, LogLevel.Debug, "Routing table: evicted {Peer}, it did not answer")]
    public static partial void PeerEvicted(ILogger logger, PeerId peer);

    [LoggerMessage(5005, LogLevel.Debug, "Lookup {Kind} {Key} ended {Reason}: {Requests} requests, {Failures} failures, {Providers} providers, {Hops} hops")]
    public static partial void LookupEnded(ILogger logger, LookupKind kind, string key, LookupEndReason reason, int requests, int failures, int providers, int hops);

    [LoggerMessage(5006, LogLevel.Information, "Announced {Key} to {Accepted} of {Closest} closest peers")]
    public static partial void Announced(ILogger logger, string key, int accepted, int closest);

    [LoggerMessage(5007, LogLevel.Warning, "Bootstrap peer {Address} unreachable: {Reason}")]
    public static partial void BootstrapFailed(ILogger logger, Multiaddr address, string reason);

    [LoggerMessage(5008, LogLevel.Warning, "DHT maintenance step {Step} failed")]
    public static partial void MaintenanceFailed(ILogger logger, string step, Exception exception);

    [LoggerMessage(5009, LogLevel.Warning, "Provider store in {Directory} could not be loaded; starting empty")]
    public static partial void StoreLoadFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(5010, LogLevel.Debug, "Inbound DHT stream from {Peer} refused: {Streams} streams open, limit {Limit}")]
    public static partial void InboundStreamLimit(ILogger logger, PeerId peer, int streams, int limit);

    [LoggerMessage(5011, LogLevel.Error, "Unexpected failure handling a DHT stream from {Peer}; stream reset")]
    public static partial void InboundHandlerBug(ILogger logger, PeerId peer, Exception exception);
}
