using Microsoft.Extensions.Logging;

namespace Shoal.Registry;

internal static partial class RegistryLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Registry mirror listening on {Address}, default upstream {Upstream}")]
    public static partial void Listening(ILogger logger, string address, string upstream);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Blob {Digest} stored ({Length} bytes; {FromPeers} from peers, {FromUpstream} from upstream)")]
    public static partial void BlobStored(ILogger logger, string digest, long length, long fromPeers, long fromUpstream);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Blob {Digest} failed verification: {Reason}")]
    public static partial void DigestMismatch(ILogger logger, string digest, string reason);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Blob {Digest} download failed: {Reason}")]
    public static partial void DownloadFailed(ILogger logger, string digest, string reason);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "Upstream unavailable for {Name}:{Reference}: {Reason}")]
    public static partial void UpstreamUnavailable(ILogger logger, string name, string reference, string reason);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Warning, Message = "Response for {Path} aborted after {Bytes} bytes: {Reason}")]
    public static partial void ResponseAborted(ILogger logger, string path, long bytes, string reason);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Warning, Message = "Manifest {Digest} from the swarm failed verification")]
    public static partial void ManifestMismatch(ILogger logger, string digest);
}
