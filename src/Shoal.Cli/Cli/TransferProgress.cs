using Spectre.Console;

namespace Shoal.Cli;

/// <summary>
/// A Spectre.Console progress bar with bytes, rate and ETA for add, cat and get, drawn on standard error so
/// standard output stays the file's bytes (cat) or the results (add, get); nothing when disabled. On a
/// terminal it redraws in place; otherwise Spectre prints a line as it advances.
/// </summary>
public static class TransferProgress
{
    public static async Task<T> RunAsync<T>(bool enabled, string description, long? total, Func<IProgress<long>?, Task<T>> work)
    {
        if (!enabled) return await work(null).ConfigureAwait(false);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes, // asked for (or stderr is a terminal): draw it even when redirected
        });
        T result = default!;
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new DownloadedColumn(),
                new TransferSpeedColumn(),
                new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: total is > 0 ? total.Value : 1);
                if (total is null or 0) task.IsIndeterminate = total is null;
                var progress = new Progress(task);
                result = await work(progress).ConfigureAwait(false);
                task.Value = task.MaxValue;
                task.StopTask();
            }).ConfigureAwait(false);
        return result;
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, reporting bytes copied so far.</summary>
    public static async Task<long> CopyAsync(Stream source, Stream destination, IProgress<long>? progress, CancellationToken ct)
    {
        var buffer = new byte[CopyBufferSize];
        long total = 0;
        int n;
        while ((n = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            total += n;
            progress?.Report(total);
        }
        return total;
    }

    /// <summary>One UnixFS chunk (256 KiB): a block is written as soon as it is read.</summary>
    private const int CopyBufferSize = 256 * 1024;

    private sealed class Progress(ProgressTask task) : IProgress<long>
    {
        public void Report(long value) => task.Value = Math.Min(value, task.MaxValue);
    }
}
