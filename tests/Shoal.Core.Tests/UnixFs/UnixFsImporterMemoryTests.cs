namespace Shoal.Core.Tests;

/// <summary>The importer streams: memory does not grow with the file. A 1 GiB import into a store that copies
/// blocks out (like the disk store) allocates a bounded, small amount however big the file is.</summary>
public class UnixFsImporterMemoryTests
{
    /// <summary>Pending links (≤ 174 per level) and parent nodes for 4096 leaves: well under 8 MiB in total.</summary>
    private const long AllocationBudget = 8 * 1024 * 1024;

    [Fact]
    public async Task One_GiB_import_allocates_a_bounded_amount()
    {
        const long size = 1L << 30;
        var store = new CountingStore();
        long before = GC.GetAllocatedBytesForCurrentThread();
        // Everything below completes synchronously (in-memory stream, store without I/O), so it all runs on this thread.
        var task = UnixFsImporter.ImportAsync(new PatternStream(size), store, UnixFsImportOptions.Kubo);
        Assert.True(task.IsCompleted);
        var result = await task;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(size, result.FileSize);
        Assert.Equal(4096 + 24 + 1, store.Blocks); // leaves, their parents (ceil(4096/174)), the root
        Assert.True(allocated < AllocationBudget, $"allocated {allocated:N0} bytes importing 1 GiB");
    }

    private sealed class CountingStore : IBlockStore
    {
        public long Blocks { get; private set; }
        public bool KeepsBlockMemory => false;
        public ValueTask<bool> HasAsync(Cid cid, CancellationToken ct = default) => ValueTask.FromResult(false);
        public ValueTask<Block?> GetAsync(Cid cid, CancellationToken ct = default) => ValueTask.FromResult<Block?>(null);
        public ValueTask<int?> GetSizeAsync(Cid cid, CancellationToken ct = default) => ValueTask.FromResult<int?>(null);
        public ValueTask DeleteAsync(Cid cid, CancellationToken ct = default) => ValueTask.CompletedTask;
        public IAsyncEnumerable<Cid> ListAsync(CancellationToken ct = default) => AsyncEnumerable.Empty<Cid>();

        public ValueTask PutAsync(Block block, CancellationToken ct = default)
        {
            Blocks++;
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Cheap non-repeating-per-chunk bytes (the position mixed in), so leaves differ without a cipher.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, length - _position);
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(buffer[..(n & ~7)]);
            long start = _position / 8;
            for (int i = 0; i < words.Length; i++) words[i] = (start + i) * unchecked((long)0x9E3779B97F4A7C15);
            buffer[(n & ~7)..n].Fill(0x5a);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => ValueTask.FromResult(Read(buffer.Span));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
