namespace Shoal.Lab.Definitions;

/// <summary>
/// One trial's node build and options (p2plab's peer definition): which Shoal build runs (a git reference or
/// a binary; the sim driver always runs the in-process build) and which strategy and stack options it uses.
/// </summary>
public sealed record PeerDefinition(
    string Name,
    string Strategy,
    BuildDefinition Build,
    IReadOnlyList<string> Transports,
    IReadOnlyList<string> Muxers,
    string Routing,
    IReadOnlyDictionary<string, string> Options);

/// <summary>The build under test: <c>gitReference</c> (built from this repository at that ref) or <c>binary</c> (a path to <c>shoal</c>); neither = the current build.</summary>
public sealed record BuildDefinition(string? GitReference, string? Binary)
{
    public static BuildDefinition Current { get; } = new(null, null);
    public override string ToString() => Binary is not null ? $"binary {Binary}" : GitReference is not null ? $"git {GitReference}" : "current";
}
