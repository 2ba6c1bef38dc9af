namespace Shoal.Registry;

/// <summary>The bytes a download received did not hash to the digest asked for.</summary>
public sealed class DigestMismatchException(string message) : Exception(message);
