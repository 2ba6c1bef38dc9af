namespace Shoal.Core;

/// <summary>
/// A forward-only read stream that disposes its owner with it: an HTTP response body handed out past the
/// method that received the response (the node's API client, the registry mirror's upstream reads).
/// </summary>
public sealed class OwningStream(Stream inner, IDisposable owner) : ReadOnlyStream
{
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        if (owner is IAsyncDisposable asyncOwner) await asyncOwner.DisposeAsync().ConfigureAwait(false);
        else owner.Dispose();
        GC.SuppressFinalize(this);
    }
}
