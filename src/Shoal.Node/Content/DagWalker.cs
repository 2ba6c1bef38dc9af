using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>Visits every block a root references (dag-pb links; raw blocks are leaves), each once, depth first.</summary>
public static class DagWalker
{
    /// <summary>Every block of the DAG, root first, depth first, each once; fails on a missing block.</summary>
    public static async IAsyncEnumerable<Block> WalkBlocksAsync(IBlockStore store, Cid root, [EnumeratorCancellation] CancellationToken ct)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<Cid>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var cid = stack.Pop();
            if (!seen.Add(Convert.ToHexString(cid.Hash.Bytes.Span))) continue;
            var block = await store.GetAsync(cid, ct).ConfigureAwait(false) ?? throw new KeyNotFoundException($"block {cid} not found");
            yield return block;
            if (cid.Codec != MulticodecCode.DagPb) continue;
            var node = DagPb.Decode(block.Data.Span);
            for (var i = node.Links.Count - 1; i >= 0; i--) stack.Push(node.Links[i].Hash);
        }
    }

    /// <param name="missingOk">Skip blocks the store lacks (gc marking) instead of failing (pinning, export).</param>
    public static async IAsyncEnumerable<Cid> WalkAsync(IBlockStore store, Cid root, bool missingOk, [EnumeratorCancellation] CancellationToken ct)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<Cid>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var cid = stack.Pop();
            if (!seen.Add(Convert.ToHexString(cid.Hash.Bytes.Span))) continue;
            if (cid.Codec != MulticodecCode.DagPb)
            {
                if (!missingOk && !await store.HasAsync(cid, ct).ConfigureAwait(false) && await store.GetAsync(cid, ct).ConfigureAwait(false) is null)
                    throw new KeyNotFoundException($"block {cid} not found");
                yield return cid;
                continue;
            }
            var block = await store.GetAsync(cid, ct).ConfigureAwait(false);
            if (block is null)
            {
                if (missingOk) continue;
                throw new KeyNotFoundException($"block {cid} not found");
            }
            yield return cid;
            var node = DagPb.Decode(block.Data.Span);
            for (var i = node.Links.Count - 1; i >= 0; i--) stack.Push(node.Links[i].Hash);
        }
    }
}
