using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli;

/// <summary>Runs a command handler and turns the errors users can cause into one clear line and exit code 1.</summary>
public static class CliAction
{
    public const int Ok = 0;
    public const int Failed = 1;

    public static void Set(Command command, Func<CliContext, CancellationToken, Task<int>> handler) =>
        command.SetAction(async (parse, ct) =>
        {
            var context = new CliContext(parse);
            try
            {
                return await handler(context, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsUserError(e))
            {
                await context.Error.WriteLineAsync($"shoal: error: {e.Message}").ConfigureAwait(false);
                return Failed;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await context.Error.WriteLineAsync("shoal: interrupted").ConfigureAwait(false);
                return 130;
            }
        });

    private static bool IsUserError(Exception e) => e is ConfigException or RepoExistsException or RepoNotInitializedException
        or FormatException or ArgumentException or IOException or InvalidDataException or KeyNotFoundException
        or UnauthorizedAccessException or HttpRequestException or NotSupportedException or InvalidOperationException
        or TimeoutException or ShoalApiException or Shoal.Core.BlockNotFoundException;
}
