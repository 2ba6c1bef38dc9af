using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>Visits every block a root references (links by codec: <see cref="BlockLinks"/>), each once, depth first.</summary>
public static class DagWalker
{
    /// <summary>Every block of the DAG, root first, depth first in link order, each once; fails on a missing block.</summary>
    public static async IAsyncEnumerable<Block> WalkBlocksAsync(Func<Cid, CancellationToken, ValueTask<Block>> get, Cid root,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var seen = new HashSet<Multihash>();
        var stack = new Stack<Cid>();
        var links = new List<Cid>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var cid = stack.Pop();
            if (!seen.Add(cid.Hash) || cid.Hash.Code == MulticodecCode.Identity) continue;
            var block = await get(cid, ct).ConfigureAwait(false);
            yield return block;
            links.Clear();
            BlockLinks.Extract(block, links);
            for (var i = links.Count - 1; i >= 0; i--) stack.Push(links[i]);
        }
    }

    public static IAsyncEnumerable<Block> WalkBlocksAsync(IBlockStore store, Cid root, CancellationToken ct) =>
        WalkBlocksAsync(async (cid, t) => await store.GetAsync(cid, t).ConfigureAwait(false) ?? throw new KeyNotFoundException($"block {cid} not found"), root, ct);

    /// <summary>The CIDs reachable from <paramref name="root"/> that the store holds (gc marking): blocks of codecs
    /// without links are not read; missing blocks are skipped with their subtrees.</summary>
    public static async IAsyncEnumerable<Cid> WalkLocalAsync(IBlockStore store, Cid root, [EnumeratorCancellation] CancellationToken ct)
    {
        var seen = new HashSet<Multihash>();
        var stack = new Stack<Cid>();
        var links = new List<Cid>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var cid = stack.Pop();
            if (!seen.Add(cid.Hash)) continue;
            if (!BlockLinks.MayHaveLinks(cid.Codec))
            {
                yield return cid;
                continue;
            }
            var block = await store.GetAsync(cid, ct).ConfigureAwait(false);
            if (block is null) continue;
            yield return cid;
            links.Clear();
            BlockLinks.Extract(block, links);
            for (var i = links.Count - 1; i >= 0; i--) stack.Push(links[i]);
        }
    }
}
