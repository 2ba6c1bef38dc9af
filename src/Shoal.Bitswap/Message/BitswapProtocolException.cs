namespace Shoal.Bitswap;

/// <summary>A peer sent bytes that are not a valid Bitswap message; the stream carrying them must be reset.</summary>
public sealed class BitswapProtocolException : Exception
{
    public BitswapProtocolException(string message) : base(message) { }

    public BitswapProtocolException(string message, Exception inner) : base(message, inner) { }
}
