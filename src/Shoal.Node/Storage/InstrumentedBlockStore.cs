using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>Counts block store traffic for /metrics and tells <paramref name="stored"/> about every put; otherwise passes every call through.</summary>
public sealed class InstrumentedBlockStore(IBlockStore inner, NodeMetrics metrics, Action<Block>? stored = null) : IBlockStore
{
    public IBlockStore Inner { get; } = inner;

    public bool KeepsBlockMemory => Inner.KeepsBlockMemory;

    public ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default) => Inner.HasAsync(cid, ct);

    public async ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default)
    {
        var block = await Inner.GetAsync(cid, ct).ConfigureAwait(false);
        metrics.StoreGets.WithLabels(block is null ? "miss" : "hit").Inc();
        return block;
    }

    public ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default) => Inner.GetSizeAsync(cid, ct);

    public async ValueTask PutAsync(Block block, CancellationToken ct = default)
    {
        await Inner.PutAsync(block, ct).ConfigureAwait(false);
        metrics.StorePuts.Inc();
        metrics.StoreBytesWritten.Inc(block.Data.Length);
        stored?.Invoke(block);
    }

    public async ValueTask DeleteAsync(Cid cid, CancellationToken ct = default)
    {
        await Inner.DeleteAsync(cid, ct).ConfigureAwait(false);
        metrics.StoreDeletes.Inc();
    }

    public async IAsyncEnumerable<Cid> ListAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var cid in Inner.ListAsync(ct).ConfigureAwait(false)) yield return cid;
    }
}
