namespace Shoal.Node;

/// <summary>
/// Keeps garbage collection from running while an add or import is writing blocks that are not pinned yet:
/// writers of new content hold a shared lease, gc holds the exclusive one.
/// </summary>
public sealed class GcGuard
{
    /// <summary>How often gc re-checks for in-flight adds while it waits; short, as adds finish quickly.</summary>
    private static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _writers;

    public async Task<IDisposable> EnterWriteContentAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        Interlocked.Increment(ref _writers);
        _gate.Release();
        return new Lease(() => Interlocked.Decrement(ref _writers));
    }

    public async Task<IDisposable> EnterCollectAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            while (Volatile.Read(ref _writers) > 0) await Task.Delay(DrainPollInterval, ct).ConfigureAwait(false);
        }
        catch
        {
            _gate.Release();
            throw;
        }
        return new Lease(() => _gate.Release());
    }

    private sealed class Lease(Action release) : IDisposable
    {
        private Action? _release = release;
        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}
