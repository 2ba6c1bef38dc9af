namespace Shoal.Core;

/// <summary>A forward-only Stream over <see cref="UnixFsReader.ReadAsync"/>'s pieces (no copy until Read).</summary>
internal sealed class UnixFsReadStream : Stream
{
    private readonly IAsyncEnumerator<ReadOnlyMemory<byte>> _pieces;
    private readonly long _length;
    private ReadOnlyMemory<byte> _current;
    private long _position;
    private bool _done;

    public UnixFsReadStream(IAsyncEnumerable<ReadOnlyMemory<byte>> pieces, long length)
    {
        _pieces = pieces.GetAsyncEnumerator();
        _length = length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        while (_current.IsEmpty)
        {
            if (_done) return 0;
            cancellationToken.ThrowIfCancellationRequested();
            if (!await _pieces.MoveNextAsync().ConfigureAwait(false))
            {
                _done = true;
                return 0;
            }
            _current = _pieces.Current;
        }
        int n = Math.Min(buffer.Length, _current.Length);
        _current.Span[..n].CopyTo(buffer.Span);
        _current = _current[n..];
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask DisposeAsync()
    {
        await _pieces.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _pieces.DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
