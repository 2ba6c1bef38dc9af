namespace Shoal.Dht;

/// <summary>A peer sent something the DHT protocol does not allow; the stream it came on is reset.</summary>
public sealed class DhtProtocolException : Exception
{
    public DhtProtocolException(string message) : base(message) { }

    public DhtProtocolException(string message, Exception inner) : base(message, inner) { }
}
