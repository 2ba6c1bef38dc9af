namespace Shoal.Node;

/// <summary>`shoal init` found an existing repository and was not told to overwrite it.</summary>
public sealed class RepoExistsException(string path)
    : Exception($"a Shoal repository already exists at {path} (use --force to overwrite its config and identity)")
{
    public string RepoPath { get; } = path;
}
