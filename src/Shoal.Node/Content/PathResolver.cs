using Shoal.Core;

namespace Shoal.Node;

/// <summary>A content path resolved: the CID at its end and the blocks passed through on the way (root first).</summary>
public sealed record ResolvedPath(Cid Root, Cid Target, IReadOnlyList<Block> PathBlocks);

/// <summary>
/// Resolves <c>/ipfs/{cid}/a/b</c> through UnixFS directories by link name, and through HAMT-sharded directories
/// by the name's hash (every shard block passed is a path block); a name that is not there is a KeyNotFoundException (404).
/// </summary>
public static class PathResolver
{
    /// <summary>Segments accepted in one path: far deeper than real directory trees, small enough to bound the work.</summary>
    public const int MaxSegments = 256;

    /// <summary>Splits <c>/ipfs/{cid}/a/b</c>, <c>{cid}/a/b</c> or a bare CID into the root CID and the names under it.</summary>
    public static (Cid Root, string[] Segments) ParseContentPath(string text)
    {
        var value = text.StartsWith("/ipfs/", StringComparison.Ordinal) ? text["/ipfs/".Length..] : text;
        var slash = value.IndexOf('/');
        var cidText = slash < 0 ? value : value[..slash];
        Cid root;
        try { root = Cid.Parse(cidText); }
        catch (FormatException e) { throw new FormatException($"invalid CID '{cidText}': {e.Message}", e); }
        return (root, slash < 0 ? [] : Segments(value[(slash + 1)..]));
    }

    public static string[] Segments(string? path)
    {
        if (string.IsNullOrEmpty(path)) return [];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length > MaxSegments) throw new ArgumentException($"path has {segments.Length} segments, over {MaxSegments}");
        foreach (var s in segments)
            if (s is "." or "..") throw new ArgumentException($"path segment '{s}' is not allowed in a content path");
        return segments;
    }

    public static async Task<ResolvedPath> ResolveAsync(Func<Cid, CancellationToken, ValueTask<Block>> get, Cid root, IReadOnlyList<string> segments, CancellationToken ct)
    {
        var current = root;
        var blocks = new List<Block>(segments.Count);
        var walked = "/ipfs/" + root;
        foreach (var name in segments)
        {
            var block = await get(current, ct).ConfigureAwait(false);
            if (current.Codec != MulticodecCode.DagPb)
                throw new KeyNotFoundException($"no link named '{name}' under {walked}: a {MulticodecCode.NameOf(current.Codec)} block has no named links");
            var node = DagPb.Decode(block.Data.Span);
            if (node.Data is { } data)
            {
                var unixfs = UnixFsData.Decode(data.Span);
                if (unixfs.Type == UnixFsType.HamtShard)
                {
                    current = await HamtDirectory.FindAsync(get, block, name, blocks, ct).ConfigureAwait(false)
                        ?? throw new KeyNotFoundException($"no link named '{name}' under {walked} (a HAMT-sharded directory)");
                    walked += "/" + name;
                    continue;
                }
                if (unixfs.Type != UnixFsType.Directory)
                    throw new KeyNotFoundException($"no link named '{name}' under {walked}: it is a UnixFS {unixfs.Type}, not a directory");
            }
            DagPbLink? found = null;
            foreach (var link in node.Links)
            {
                if (link.Name == name)
                {
                    found = link;
                    break;
                }
            }
            if (found is null) throw new KeyNotFoundException($"no link named '{name}' under {walked}");
            blocks.Add(block);
            current = found.Hash;
            walked += "/" + name;
        }
        return new ResolvedPath(root, current, blocks);
    }
}
