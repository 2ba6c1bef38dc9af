namespace Shoal.Node;

/// <summary>A configuration value is missing, malformed or out of range; <see cref="Key"/> names it (e.g. <c>Addresses.Api</c>).</summary>
public sealed class ConfigException(string key, string message, Exception? inner = null)
    : Exception($"config key '{key}': {message}", inner)
{
    public string Key { get; } = key;
}
