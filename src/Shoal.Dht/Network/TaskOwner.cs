using System.Collections.Concurrent;

namespace Shoal.Dht;

/// <summary>
/// Owns background tasks started by the DHT shell (stream closes, admission checks, announcements): each is tracked
/// until it ends, its failure is observed, and disposal waits for all of them. No task is left unowned.
/// </summary>
internal sealed class TaskOwner
{
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly Action<Exception>? _onError;

    public TaskOwner(Action<Exception>? onError = null) => _onError = onError;

    public int Count => _running.Count;

    public void Run(Func<Task> work)
    {
        Task task;
        try
        {
            task = work();
        }
        catch (Exception e)
        {
            _onError?.Invoke(e);
            return;
        }
        if (task.IsCompleted)
        {
            Observe(task);
            return;
        }
        _running.TryAdd(task, 0);
        task.ContinueWith(static (t, state) =>
        {
            var owner = (TaskOwner)state!;
            owner._running.TryRemove(t, out _);
            owner.Observe(t);
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Observe(Task task)
    {
        if (task.IsFaulted && task.Exception is { } e && _onError is not null)
        {
            _onError(e.GetBaseException());
        }
    }

    /// <summary>Waits until every tracked task has ended (they should have been cancelled first).</summary>
    public async Task DrainAsync()
    {
        while (!_running.IsEmpty)
        {
            try
            {
                await Task.WhenAll(_running.Keys).ConfigureAwait(false);
            }
            catch
            {
                // Failures were observed by the continuation.
            }
        }
    }
}
