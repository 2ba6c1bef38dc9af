using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// Enforces Datastore.StorageMax: a put of a new block that would take the stored bytes past the cap is refused
/// with <see cref="StorageFullException"/> (nothing is written), so the disk never fills behind the user's back.
/// Re-putting a block already held costs nothing. The running total is counted from the store on first use.
/// </summary>
public sealed class QuotaBlockStore(IBlockStore inner, long storageMax) : IBlockStore
{
    private readonly SemaphoreSlim _countGate = new(1, 1);
    private long _used = -1;

    public IBlockStore Inner { get; } = inner;
    public long StorageMax { get; } = storageMax;
    public bool KeepsBlockMemory => Inner.KeepsBlockMemory;

    /// <summary>Bytes of block data stored now.</summary>
    public async ValueTask<long> UsedAsync(CancellationToken ct = default)
    {
        var used = Interlocked.Read(ref _used);
        if (used >= 0) return used;
        await _countGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Interlocked.Read(ref _used) is var counted and >= 0) return counted;
            long total = 0;
            await foreach (var cid in Inner.ListAsync(ct).ConfigureAwait(false)) total += await Inner.GetSizeAsync(cid, ct).ConfigureAwait(false) ?? 0;
            Interlocked.Exchange(ref _used, total);
            return total;
        }
        finally
        {
            _countGate.Release();
        }
    }

    public async ValueTask PutAsync(Block block, CancellationToken ct = default)
    {
        await UsedAsync(ct).ConfigureAwait(false);
        if (await Inner.HasAsync(block.Cid, ct).ConfigureAwait(false))
        {
            await Inner.PutAsync(block, ct).ConfigureAwait(false);
            return;
        }
        long size = block.Data.Length;
        // Reserve first, so concurrent puts cannot all pass the check together.
        var after = Interlocked.Add(ref _used, size);
        if (after > StorageMax)
        {
            Interlocked.Add(ref _used, -size);
            throw new StorageFullException(
                $"repository full: {after - size} of Datastore.StorageMax {StorageMax} bytes used, block {block.Cid} ({size} bytes) does not fit; " +
                "unpin and run `shoal repo gc`, or raise Datastore.StorageMax");
        }
        try
        {
            await Inner.PutAsync(block, ct).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Add(ref _used, -size);
            throw;
        }
    }

    public async ValueTask DeleteAsync(Cid cid, CancellationToken ct = default)
    {
        await UsedAsync(ct).ConfigureAwait(false);
        var size = await Inner.GetSizeAsync(cid, ct).ConfigureAwait(false);
        await Inner.DeleteAsync(cid, ct).ConfigureAwait(false);
        if (size is { } s) Interlocked.Add(ref _used, -s);
    }

    public ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default) => Inner.HasAsync(cid, ct);
    public ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default) => Inner.GetAsync(cid, ct);
    public ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default) => Inner.GetSizeAsync(cid, ct);

    public async IAsyncEnumerable<Cid> ListAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var cid in Inner.ListAsync(ct).ConfigureAwait(false)) yield return cid;
    }
}
