using System.Collections.Concurrent;
using System.Text;

namespace Shoal.Registry;

/// <summary>
/// Manifests by digest on disk (<c>manifests/sha256/&lt;hex&gt;</c> plus a <c>.type</c> file for the media
/// type), verified before they are written, with a small in-memory cache because a pull asks for the
/// same index and manifest several times.
/// </summary>
public sealed class ManifestStore
{
    /// <summary>Enough for the manifests of the images a node pulls at once; each is a few KiB.</summary>
    private const int MaxCachedManifests = 1024;

    private readonly string _root;
    private readonly ConcurrentDictionary<OciDigest, StoredManifest> _cache = new();

    public ManifestStore(string directory)
    {
        _root = directory;
        Directory.CreateDirectory(_root);
    }

    private string PathOf(OciDigest digest) => Path.Combine(_root, digest.Algorithm, digest.Hex);

    public async Task<StoredManifest?> GetAsync(OciDigest digest, CancellationToken ct)
    {
        if (_cache.TryGetValue(digest, out var cached)) return cached;
        var path = PathOf(digest);
        if (!File.Exists(path)) return null;
        byte[] content;
        string type;
        try
        {
            content = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
            type = File.Exists(path + ".type") ? (await File.ReadAllTextAsync(path + ".type", ct).ConfigureAwait(false)).Trim() : OciMediaTypes.Sniff(content);
        }
        catch (FileNotFoundException) { return null; }
        if (!digest.Verifies(content))
        {
            // Disk rot or tampering: never serve it; forget it so it is fetched again.
            File.Delete(path);
            return null;
        }
        var manifest = new StoredManifest(digest, type, content);
        Remember(manifest);
        return manifest;
    }

    public async Task PutAsync(StoredManifest manifest, CancellationToken ct)
    {
        if (!manifest.Digest.Verifies(manifest.Content))
            throw new InvalidDataException($"manifest bytes do not match {manifest.Digest}");
        var path = PathOf(manifest.Digest);
        await AtomicFile.WriteAsync(path + ".type", Encoding.UTF8.GetBytes(manifest.MediaType), ct).ConfigureAwait(false);
        await AtomicFile.WriteAsync(path, manifest.Content, ct).ConfigureAwait(false);
        Remember(manifest);
    }

    private void Remember(StoredManifest manifest)
    {
        if (_cache.Count >= MaxCachedManifests) _cache.Clear();
        _cache[manifest.Digest] = manifest;
    }
}
