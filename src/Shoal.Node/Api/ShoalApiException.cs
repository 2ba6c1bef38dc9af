namespace Shoal.Node;

/// <summary>The daemon answered an API call with an error; the message is the daemon's.</summary>
public sealed class ShoalApiException(string message, int statusCode) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
