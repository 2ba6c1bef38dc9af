namespace Shoal.Node;

/// <summary>
/// A node's repository directory (default <c>~/.shoal</c>, or <c>$SHOAL_REPO</c>): the config file, the
/// identity key, the block store, the pin set, and the <c>api</c>/<c>gateway</c> files a running daemon
/// writes so that the CLI (and the Lab) can find it, as Kubo does.
/// </summary>
public sealed class ShoalRepo
{
    /// <summary>Config file names looked for, in order; the first that exists wins.</summary>
    public static readonly string[] ConfigFileNames = ["config.yaml", "config.yml", "config.json", "config"];

    public const string PinsFileName = "pins.json";
    public const string ApiFileName = "api";
    public const string GatewayFileName = "gateway";
    public const string DaemonFileName = "daemon.json";

    public ShoalRepo(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }

    /// <summary>$SHOAL_REPO, else ~/.shoal.</summary>
    public static string DefaultPath()
    {
        var env = Environment.GetEnvironmentVariable("SHOAL_REPO");
        if (!string.IsNullOrWhiteSpace(env)) return env;
        return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".shoal");
    }

    public string? FindConfigFile()
    {
        foreach (var name in ConfigFileNames)
        {
            var candidate = System.IO.Path.Combine(Path, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public bool IsInitialized => FindConfigFile() is not null;

    public string PinsPath => System.IO.Path.Combine(Path, PinsFileName);
    public string ApiFilePath => System.IO.Path.Combine(Path, ApiFileName);
    public string GatewayFilePath => System.IO.Path.Combine(Path, GatewayFileName);
    public string DaemonFilePath => System.IO.Path.Combine(Path, DaemonFileName);

    public string Resolve(string relativeOrAbsolute) =>
        System.IO.Path.IsPathRooted(relativeOrAbsolute) ? relativeOrAbsolute : System.IO.Path.Combine(Path, relativeOrAbsolute);

    /// <summary>Loads the config with environment overrides; throws <see cref="RepoNotInitializedException"/> when there is none.</summary>
    public ShoalConfig LoadConfig(System.Collections.IDictionary? environment = null)
    {
        var file = FindConfigFile() ?? throw new RepoNotInitializedException(Path);
        return ConfigLoader.Load(file, environment);
    }
}
