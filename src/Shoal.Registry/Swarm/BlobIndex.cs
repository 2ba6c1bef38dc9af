using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Shoal.Core;

namespace Shoal.Registry;

/// <summary>Which DAG holds which blob on this node: <c>index/sha256/&lt;hex&gt;</c> files of "root length",
/// written atomically, cached in memory.</summary>
public sealed class BlobIndex
{
    private readonly string _root;
    private readonly ConcurrentDictionary<OciDigest, (Cid Root, long Length)> _cache = new();

    public BlobIndex(string directory)
    {
        _root = directory;
        Directory.CreateDirectory(directory);
    }

    private string PathOf(OciDigest digest) => Path.Combine(_root, digest.Algorithm, digest.Hex);

    public bool TryGet(OciDigest digest, out Cid root, out long length)
    {
        if (_cache.TryGetValue(digest, out var hit) || TryLoad(digest, out hit))
        {
            (root, length) = hit;
            return true;
        }
        root = null!;
        length = 0;
        return false;
    }

    private bool TryLoad(OciDigest digest, out (Cid, long) entry)
    {
        entry = default;
        string text;
        try { text = File.ReadAllText(PathOf(digest)); }
        catch (FileNotFoundException) { return false; }
        catch (DirectoryNotFoundException) { return false; }
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !Cid.TryParse(parts[0], out var root) || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            return false;
        entry = (root, length);
        _cache[digest] = entry;
        return true;
    }

    public async Task SetAsync(OciDigest digest, Cid root, long length, CancellationToken ct)
    {
        await AtomicFile.WriteAsync(PathOf(digest), Encoding.ASCII.GetBytes(root + " " + length.ToString(CultureInfo.InvariantCulture)), ct).ConfigureAwait(false);
        _cache[digest] = (root, length);
    }

    public void Remove(OciDigest digest)
    {
        _cache.TryRemove(digest, out _);
        File.Delete(PathOf(digest));
    }

    /// <summary>Every blob this node holds (for re-announcing after a restart).</summary>
    public IEnumerable<OciDigest> List()
    {
        foreach (var algorithm in new[] { OciDigest.Sha256, OciDigest.Sha512 })
        {
            var dir = Path.Combine(_root, algorithm);
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir))
                if (OciDigest.TryParse(algorithm + ":" + Path.GetFileName(file), out var d)) yield return d!;
        }
    }
}
