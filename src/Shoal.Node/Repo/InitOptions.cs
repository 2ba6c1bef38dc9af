namespace Shoal.Node;

/// <summary>What `shoal init` does: overwrite or not, which file format, and config edits before writing.</summary>
public sealed record InitOptions
{
    public bool Force { get; init; }
    /// <summary>Write config.yaml instead of config.json.</summary>
    public bool Yaml { get; init; }
    /// <summary>Edits applied to the default config before it is validated and written (e.g. flags).</summary>
    public Action<ShoalConfig>? Configure { get; init; }
}
