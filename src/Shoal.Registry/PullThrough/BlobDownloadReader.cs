namespace Shoal.Registry;

/// <summary>Reads a <see cref="BlobDownload"/>'s spool file behind its writer, from an offset to an end.</summary>
internal sealed class BlobDownloadReader(BlobDownload download, long offset, long end) : Stream
{
    private long _position = offset;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        while (true)
        {
            if (_position >= end && end >= 0) return 0;
            var readable = download.Readable(_position, out var complete, out var changed);
            if (end >= 0) readable = Math.Min(readable, end - _position);
            if (readable > 0)
            {
                var want = (int)Math.Min(readable, buffer.Length);
                var n = await RandomAccess.ReadAsync(download.Handle, buffer[..want], _position, ct).ConfigureAwait(false);
                if (n == 0) throw new IOException($"spool of {download.Digest} is shorter than written");
                _position += n;
                return n;
            }
            if (complete) return 0; // from the same snapshot as readable, so no byte is left behind
            await changed.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
