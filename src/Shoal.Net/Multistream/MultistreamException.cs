namespace Shoal.Net;

/// <summary>multistream-select failed: a malformed message, or no protocol in common (<see cref="NotSupported"/>).</summary>
public sealed class MultistreamException(string message, bool notSupported = false) : IOException(message)
{
    /// <summary>True when the peer answered <c>na</c> to every proposal.</summary>
    public bool NotSupported { get; } = notSupported;
}
