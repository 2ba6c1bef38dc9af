namespace Shoal.Core;

/// <summary>Content-addressed block storage, keyed by multihash like Kubo: a v0 and a v1 CID of the same
/// bytes find the same block. Implementations are safe for concurrent readers and writers.</summary>
public interface IBlockStore
{
    ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default);

    /// <summary>The block under the requested CID, or null when absent.</summary>
    ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default);

    ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default);

    /// <summary>Idempotent; atomic on disk.</summary>
    ValueTask PutAsync(Block block, CancellationToken ct = default);

    ValueTask DeleteAsync(Cid cid, CancellationToken ct = default);

    /// <summary>Every stored block, as CIDv1 raw unless the store remembers the codec.</summary>
    IAsyncEnumerable<Cid> ListAsync(CancellationToken ct = default);

    /// <summary>True when the store may keep a reference to <see cref="Block.Data"/> after <see cref="PutAsync"/>
    /// returns (in-memory stores). False when it copies the bytes out (disk), which lets writers such as the
    /// importer reuse one pooled buffer for every block. Wrappers should forward their inner store's value.</summary>
    bool KeepsBlockMemory => true;
}
