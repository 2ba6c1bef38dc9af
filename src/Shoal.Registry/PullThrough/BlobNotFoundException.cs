namespace Shoal.Registry;

/// <summary>No origin had the blob (every one answered "not found" or could not be reached).</summary>
public sealed class BlobNotFoundException(string message, Exception? inner = null) : Exception(message, inner);
