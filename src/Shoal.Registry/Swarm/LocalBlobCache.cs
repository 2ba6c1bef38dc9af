namespace Shoal.Registry;

/// <summary>A swarm of one: verified blobs as files by digest, nothing announced, no peers. What a mirror
/// uses when it runs without a node (a plain pull-through cache).</summary>
public sealed class LocalBlobCache : IBlobSwarm
{
    private readonly string _root;

    public LocalBlobCache(string directory)
    {
        _root = directory;
        Directory.CreateDirectory(_root);
    }

    private string PathOf(OciDigest digest) => Path.Combine(_root, digest.Algorithm, digest.Hex);

    public ValueTask<BlobSource?> LocateAsync(OciDigest digest, CancellationToken ct)
    {
        var info = new FileInfo(PathOf(digest));
        return ValueTask.FromResult(info.Exists ? new BlobSource(digest, info.Length, true, null, []) : null);
    }

    public ValueTask<Stream> OpenReadAsync(BlobSource source, long offset, CancellationToken ct)
    {
        var file = new FileStream(PathOf(source.Digest), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous);
        file.Seek(offset, SeekOrigin.Begin);
        return ValueTask.FromResult<Stream>(file);
    }

    public async ValueTask StoreAsync(OciDigest digest, Stream content, long length, CancellationToken ct)
    {
        var path = PathOf(digest);
        if (File.Exists(path)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, ct).ConfigureAwait(false);
                if (file.Length != length) throw new InvalidDataException($"blob {digest}: got {file.Length} bytes, expected {length}");
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public ValueTask RejectAsync(BlobSource source, CancellationToken ct)
    {
        File.Delete(PathOf(source.Digest));
        return ValueTask.CompletedTask;
    }
}
