namespace Shoal.Registry;

/// <summary>The upstream could not be reached or did not answer in time (as opposed to answering "no").</summary>
public sealed class UpstreamUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
