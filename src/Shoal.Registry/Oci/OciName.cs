using System.Text.RegularExpressions;

namespace Shoal.Registry;

/// <summary>The grammar of repository names and tags from the OCI distribution spec.</summary>
public static partial class OciName
{
    /// <summary>The distribution spec lets registries cap names; 255 is what distribution enforces.</summary>
    public const int MaxNameLength = 255;

    [GeneratedRegex("^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    public static bool IsValidName(string name) => name.Length <= MaxNameLength && NamePattern().IsMatch(name);
    public static bool IsValidTag(string tag) => TagPattern().IsMatch(tag);
}
