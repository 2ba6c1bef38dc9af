using Spectre.Console;

namespace Shoal.Cli;

/// <summary>A Spectre.Console progress bar with bytes, rate and ETA for add and get; plain (no bar) when disabled.</summary>
public static class TransferProgress
{
    public static async Task<T> RunAsync<T>(bool enabled, string description, long? total, Func<IProgress<long>?, Task<T>> work)
    {
        if (!enabled) return await work(null).ConfigureAwait(false);
        T result = default!;
        await AnsiConsole.Progress()
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

    private sealed class Progress(ProgressTask task) : IProgress<long>
    {
        public void Report(long value) => task.Value = Math.Min(value, task.MaxValue);
    }
}
