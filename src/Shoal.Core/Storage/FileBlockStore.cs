using System.Runtime.CompilerServices;

namespace Shoal.Core;

/// <summary>On-disk block store in Kubo's flatfs layout (<c>next-to-last/2</c>): each block is one file named by
/// the upper-case base32 of its multihash, in a directory named by the two characters before the last.
/// Writes go to a temp file that is flushed to disk and then renamed into place, so a crash never leaves a
/// half block under a real name; leftover temp files are removed when the store is opened.</summary>
public sealed class FileBlockStore : IBlockStore
{
    /// <summary>Kubo's marker for this layout, written to <c>SHARDING</c> so the directory is recognisable.</summary>
    public const string ShardingSpec = "/repo/flatfs/shard/v1/next-to-last/2";

    /// <summary>Blocks larger than this on disk are not something Shoal wrote; refuse rather than load them.</summary>
    public const int MaxBlockSize = 16 * 1024 * 1024;

    private const string DataExtension = ".data";
    private const string TempExtension = ".tmp";
    private const string Base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private readonly string _root;
    private readonly bool _verifyOnPut;
    private readonly bool _verifyOnRead;

    /// <summary>Opens (creating if needed) a store at <paramref name="directory"/> and removes crash leftovers.</summary>
    /// <param name="verifyOnPut">Re-hash every block before writing it (defence in depth; a Block is already verified when built).</param>
    /// <param name="verifyOnRead">Re-hash on every read to detect disk corruption (Kubo's HashOnRead).</param>
    public FileBlockStore(string directory, bool verifyOnPut = true, bool verifyOnRead = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _root = Path.GetFullPath(directory);
        _verifyOnPut = verifyOnPut;
        _verifyOnRead = verifyOnRead;
        Directory.CreateDirectory(_root);
        var sharding = Path.Combine(_root, "SHARDING");
        if (!File.Exists(sharding)) File.WriteAllText(sharding, ShardingSpec + "\n");
        RemovedTempFiles = CleanTempFiles();
    }

    public string RootDirectory => _root;

    /// <summary>Blocks are written to disk before <see cref="PutAsync"/> returns; their memory is not kept.</summary>
    public bool KeepsBlockMemory => false;

    /// <summary>How many interrupted writes were cleaned up when the store was opened.</summary>
    public int RemovedTempFiles { get; }

    private int CleanTempFiles()
    {
        int removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(_root))
        {
            foreach (var temp in Directory.EnumerateFiles(dir, "*" + TempExtension))
            {
                try
                {
                    File.Delete(temp);
                    removed++;
                }
                catch (IOException)
                {
                    // Another process may still be writing it; it will be cleaned next time.
                }
            }
        }
        return removed;
    }

    /// <summary>flatfs key: upper-case unpadded base32 of the multihash.</summary>
    public static string KeyOf(Multihash hash)
    {
        var bytes = hash.Bytes.Span;
        var chars = new char[(bytes.Length * 8 + 4) / 5];
        int o = 0, buffer = 0, bits = 0;
        foreach (byte b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                chars[o++] = Base32Upper[(buffer >> bits) & 31];
            }
        }
        if (bits > 0) chars[o++] = Base32Upper[(buffer << (5 - bits)) & 31];
        return new string(chars, 0, o);
    }

    private string PathOf(Multihash hash, out string shardDir)
    {
        string key = KeyOf(hash);
        shardDir = Path.Combine(_root, key.Substring(key.Length - 3, 2));
        return Path.Combine(shardDir, key + DataExtension);
    }

    public ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default)
        => ValueTask.FromResult(File.Exists(PathOf(cid.Hash, out _)));

    /// <summary>Reads synchronously: a block file is read in one call (from the page cache, tens of microseconds), and
    /// callers that must decide synchronously (Bitswap's core, serving blocks) get a completed result instead of
    /// spinning while a thread-pool thread does the read (that spin was a third of a busy daemon's Bitswap loop).
    /// An absent block is checked for first, so a miss throws no exception.</summary>
    public ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default)
    {
        if (ct.IsCancellationRequested) return ValueTask.FromCanceled<Block?>(ct);
        var path = PathOf(cid.Hash, out _);
        if (!File.Exists(path)) return ValueTask.FromResult<Block?>(null);
        byte[] data;
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
            long length = RandomAccess.GetLength(handle);
            if (length > MaxBlockSize) throw new InvalidDataException($"block file {path} is {length} bytes, above {MaxBlockSize}");
            data = new byte[length];
            int read = 0;
            while (read < data.Length)
            {
                int n = RandomAccess.Read(handle, data.AsSpan(read), read);
                if (n == 0) throw new EndOfStreamException($"block file {path} ended after {read} of {length} bytes");
                read += n;
            }
        }
        catch (FileNotFoundException)
        {
            return ValueTask.FromResult<Block?>(null); // deleted since the check
        }
        catch (DirectoryNotFoundException)
        {
            return ValueTask.FromResult<Block?>(null);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return ValueTask.FromException<Block?>(e);
        }
        try
        {
            return ValueTask.FromResult<Block?>(_verifyOnRead ? Block.Create(cid, data) : Block.CreateTrusted(cid, data));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            return ValueTask.FromException<Block?>(e);
        }
    }

    public ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default)
    {
        var info = new FileInfo(PathOf(cid.Hash, out _));
        return ValueTask.FromResult(info.Exists ? (int)Math.Min(info.Length, int.MaxValue) : (int?)null);
    }

    public async ValueTask PutAsync(Block block, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (_verifyOnPut && !block.Cid.Hash.Matches(block.Data.Span))
            throw new InvalidDataException($"refusing to store block {block.Cid}: data does not match its hash");
        var path = PathOf(block.Cid.Hash, out var shardDir);
        if (File.Exists(path)) return;
        Directory.CreateDirectory(shardDir);
        var temp = Path.Combine(shardDir, $".{Path.GetFileNameWithoutExtension(path)}.{Guid.NewGuid():N}{TempExtension}");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                bufferSize: 1, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(block.Data, ct).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            // Same content under the same name, so losing a race to another writer is harmless.
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public ValueTask DeleteAsync(Cid cid, CancellationToken ct = default)
    {
        TryDelete(PathOf(cid.Hash, out _));
        return ValueTask.CompletedTask;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Every stored block as a CIDv1 raw CID (flatfs keys carry the multihash only, as in Kubo).</summary>
    public async IAsyncEnumerable<Cid> ListAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Yield();
        foreach (var dir in Directory.EnumerateDirectories(_root))
        {
            foreach (var file in Directory.EnumerateFiles(dir, "*" + DataExtension))
            {
                ct.ThrowIfCancellationRequested();
                var key = Path.GetFileNameWithoutExtension(file);
                Multihash hash;
                try
                {
                    hash = Multihash.FromBytes(Multibase.DecodeBase32(key.ToLowerInvariant(), lower: true));
                }
                catch (FormatException)
                {
                    continue; // not a block file
                }
                yield return Cid.Create(1, MulticodecCode.Raw, hash);
            }
        }
    }
}
