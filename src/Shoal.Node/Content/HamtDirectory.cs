using System.Globalization;
using System.Text;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// Finds a name in a HAMT-sharded UnixFS directory. A name's place is the first 64 bits of its murmur3-x64-128
/// hash (as Kubo and Helia use it), taken log2(fanout) bits per level from the most significant; each shard's
/// links are named by the bucket index in upper-case hex, followed by the entry's name, or alone for a sub-shard.
/// </summary>
public static class HamtDirectory
{
    /// <summary>Widest fanout accepted: 2^10; the UnixFS writers use 256, and larger bounds the per-node work.</summary>
    public const ulong MaxFanout = 1024;

    /// <summary>
    /// The link named <paramref name="name"/> under the shard <paramref name="shard"/>, with every shard block passed
    /// through (the shard itself first) added to <paramref name="visited"/>; null when it is not there.
    /// </summary>
    public static async Task<Cid?> FindAsync(Func<Cid, CancellationToken, ValueTask<Block>> get, Block shard, string name,
        List<Block> visited, CancellationToken ct)
    {
        var (hash, _) = Murmur3.Hash128(Encoding.UTF8.GetBytes(name));
        var consumed = 0;
        var block = shard;
        while (true)
        {
            visited.Add(block);
            var node = DagPb.Decode(block.Data.Span);
            var data = UnixFsData.Decode((node.Data ?? throw new InvalidDataException($"{block.Cid}: HAMT shard without UnixFS data")).Span);
            if (data.Type != UnixFsType.HamtShard) throw new InvalidDataException($"{block.Cid}: a HAMT link leads to a UnixFS {data.Type}, not a shard");
            var fanout = data.Fanout ?? throw new InvalidDataException($"{block.Cid}: HAMT shard without a fanout");
            if (fanout < 2 || fanout > MaxFanout || !ulong.IsPow2(fanout))
                throw new InvalidDataException($"{block.Cid}: HAMT fanout {fanout} is not a power of two up to {MaxFanout}");
            var bits = (int)ulong.Log2(fanout);
            if (consumed + bits > 64)
                throw new NotSupportedException($"{block.Cid}: HAMT deeper than the 64 hash bits this node reads");
            var index = (hash << consumed) >> (64 - bits);
            consumed += bits;
            var padding = (fanout - 1).ToString("X", CultureInfo.InvariantCulture).Length;
            var prefix = index.ToString("X", CultureInfo.InvariantCulture).PadLeft(padding, '0');

            DagPbLink? bucket = null;
            foreach (var link in node.Links)
            {
                if (link.Name is { } n && n.StartsWith(prefix, StringComparison.Ordinal))
                {
                    bucket = link;
                    break;
                }
            }
            if (bucket is null) return null;
            if (bucket.Name!.Length == padding)
            {
                block = await get(bucket.Hash, ct).ConfigureAwait(false); // a sub-shard: the next bits choose inside it
                continue;
            }
            return bucket.Name.AsSpan(padding).SequenceEqual(name) ? bucket.Hash : null;
        }
    }
}
