namespace Shoal.Node;

/// <summary>A write was refused because the repository would grow past Datastore.StorageMax.</summary>
public sealed class StorageFullException(string message) : IOException(message);
