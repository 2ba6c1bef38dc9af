namespace Shoal.Node;

/// <summary>
/// The node's libp2p identity key on disk. Until Shoal.Net lands this holds a placeholder; it becomes
/// the libp2p private key protobuf written with owner-only permissions.
/// </summary>
public static class NodeIdentity
{
    /// <summary>Owner read/write only: the key is the node's identity.</summary>
    private const UnixFileMode KeyFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates a new key at <paramref name="keyPath"/> and returns its peer id text.</summary>
    public static string Create(string keyPath, bool overwrite)
    {
        if (File.Exists(keyPath) && !overwrite) throw new RepoExistsException(Path.GetDirectoryName(keyPath)!);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(keyPath))!);
        var seed = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        AtomicFile.WriteAllBytes(keyPath, seed, KeyFileMode);
        return "";
    }
}
