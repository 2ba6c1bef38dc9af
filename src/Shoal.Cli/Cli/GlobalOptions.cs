using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli;

/// <summary>Options every command takes.</summary>
public static class GlobalOptions
{
    public static readonly Option<string> Repo = new("--repo")
    {
        Description = "Repository directory (default: $SHOAL_REPO or ~/.shoal)",
        Recursive = true,
        DefaultValueFactory = _ => ShoalRepo.DefaultPath(),
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print results as JSON (Kubo's shapes) for scripts",
        Recursive = true,
    };

    public static readonly Option<string?> Api = new("--api")
    {
        Description = "Talk to the daemon at this API address (host:port, multiaddr or URL) instead of the repo's `api` file",
        Recursive = true,
    };

    public static readonly Option<bool> Offline = new("--offline")
    {
        Description = "Work on the repository directly even if a daemon is running",
        Recursive = true,
    };

    public static readonly Option<bool?> Progress = new("--progress")
    {
        Description = "Progress bar (bytes, rate, ETA) on standard error for add, cat and get (default: when standard error is a terminal)",
        Recursive = true,
    };

    public static void AddTo(Command root)
    {
        root.Options.Add(Progress);
        root.Options.Add(Repo);
        root.Options.Add(Json);
        root.Options.Add(Api);
        root.Options.Add(Offline);
    }
}
