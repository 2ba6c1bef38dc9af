namespace Shoal.Net;

/// <summary>The Noise handshake or a transport frame failed (bad MAC, bad signature, wrong peer id, oversized frame). Fatal to the connection.</summary>
public sealed class NoiseException(string message, Exception? inner = null) : IOException(message, inner);
