using Shoal.Net;

namespace Shoal.Node;

/// <summary>The node's libp2p identity: an Ed25519 key stored as the libp2p PrivateKey protobuf, owner-readable only.</summary>
public static class NodeIdentity
{
    /// <summary>Owner read/write only: the key is the node's identity.</summary>
    private const UnixFileMode KeyFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates a new key at <paramref name="keyPath"/> and returns its peer id text.</summary>
    public static string Create(string keyPath, bool overwrite)
    {
        if (File.Exists(keyPath) && !overwrite) throw new RepoExistsException(Path.GetDirectoryName(keyPath)!);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(keyPath))!);
        var identity = Identity.Generate();
        AtomicFile.WriteAllBytes(keyPath, identity.ExportPrivateKey(), KeyFileMode);
        return identity.PeerId.ToString();
    }

    public static Identity Load(string keyPath)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(keyPath); }
        catch (FileNotFoundException e) { throw new ConfigException("Identity.KeyFile", $"key file {keyPath} is missing (run `shoal init --force` to make a new identity)", e); }
        try { return Identity.ImportPrivateKey(bytes); }
        catch (FormatException e) { throw new ConfigException("Identity.KeyFile", $"key file {keyPath} is not a libp2p private key: {e.Message}", e); }
    }
}
