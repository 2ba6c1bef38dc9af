namespace Shoal.Lab.Definitions;

/// <summary>A definition file is malformed; <see cref="FieldPath"/> names the bad field, e.g. <c>cluster.groups[1].uplink</c>.</summary>
public sealed class DefinitionException : Exception
{
    public DefinitionException(string fieldPath, string problem, string? file = null, int line = 0)
        : base(Format(fieldPath, problem, file, line))
    {
        FieldPath = fieldPath;
        Problem = problem;
        File = file;
        Line = line;
    }

    public string FieldPath { get; }
    public string Problem { get; }
    public string? File { get; }
    public int Line { get; }

    private static string Format(string path, string problem, string? file, int line)
    {
        var where = file is null ? "" : line > 0 ? $"{file}:{line}: " : $"{file}: ";
        return $"{where}{(path.Length == 0 ? "(document)" : path)}: {problem}";
    }
}
