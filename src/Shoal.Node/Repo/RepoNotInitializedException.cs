namespace Shoal.Node;

/// <summary>The repository directory has no config file: `shoal init` has not been run there.</summary>
public sealed class RepoNotInitializedException(string path)
    : Exception($"no Shoal repository at {path} (run `shoal init --repo {path}` first)")
{
    public string RepoPath { get; } = path;
}
