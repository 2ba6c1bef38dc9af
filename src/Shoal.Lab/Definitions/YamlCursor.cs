using YamlDotNet.RepresentationModel;

namespace Shoal.Lab.Definitions;

/// <summary>A position in a YAML tree that knows its field path, so every error names the field it is about.</summary>
internal readonly struct YamlCursor(YamlNode? node, string path, string? file)
{
    public YamlNode? Node { get; } = node;
    public string Path { get; } = path;
    public string? File { get; } = file;
    public bool IsMissing => Node is null || (Node is YamlScalarNode s && s.Style == YamlDotNet.Core.ScalarStyle.Plain && (s.Value is null || s.Value == "~" || s.Value == "null"));
    public bool IsMapping => Node is YamlMappingNode;
    public bool IsSequence => Node is YamlSequenceNode;
    public bool IsScalar => Node is YamlScalarNode && !IsMissing;

    public DefinitionException Error(string problem) => new(Path, problem, File, Node is null ? 0 : (int)Node.Start.Line);

    public YamlCursor Field(string key)
    {
        if (Node is not YamlMappingNode m) throw Error("must be a mapping (key: value)");
        foreach (var (k, v) in m.Children)
            if (k is YamlScalarNode ks && ks.Value == key) return new YamlCursor(v, Join(key), File);
        return new YamlCursor(null, Join(key), File);
    }

    /// <summary>Fails on any key not in <paramref name="allowed"/>, naming it.</summary>
    public void OnlyKeys(params string[] allowed)
    {
        if (Node is not YamlMappingNode m) throw Error("must be a mapping (key: value)");
        foreach (var (k, v) in m.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "?";
            if (Array.IndexOf(allowed, name) < 0)
                throw new DefinitionException(Join(name), $"unknown field; expected one of: {string.Join(", ", allowed)}", File, (int)k.Start.Line);
        }
    }

    public IEnumerable<(string Key, YamlCursor Value)> Entries()
    {
        if (Node is not YamlMappingNode m) throw Error("must be a mapping (key: value)");
        foreach (var (k, v) in m.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? throw Error("keys must be plain strings");
            yield return (name, new YamlCursor(v, Join(name), File));
        }
    }

    public IEnumerable<YamlCursor> Items()
    {
        if (Node is not YamlSequenceNode s) throw Error("must be a list");
        var i = 0;
        foreach (var item in s.Children) yield return new YamlCursor(item, $"{Path}[{i++}]", File);
    }

    public string String()
    {
        if (!IsScalar) throw Error(IsMissing ? "is required" : "must be a single value");
        return ((YamlScalarNode)Node!).Value!;
    }

    public string String(string fallback) => IsMissing ? fallback : String();

    public string? OptionalString() => IsMissing ? null : String();

    public int Int(int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (IsMissing) return fallback;
        if (!int.TryParse(String(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v))
            throw Error($"must be a whole number, got '{String()}'");
        if (v < min || v > max) throw Error($"must be between {min} and {max}, got {v}");
        return v;
    }

    public double Fraction(double fallback)
    {
        if (IsMissing) return fallback;
        if (!double.TryParse(String(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || v < 0 || v >= 1)
            throw Error($"must be a fraction in [0, 1), got '{String()}'");
        return v;
    }

    public long Bytes()
    {
        if (!Quantity.TryParseBytes(String(), out var b) || b <= 0) throw Error($"must be a size such as 300MiB or 4096, got '{String()}'");
        return b;
    }

    public double Rate()
    {
        if (!Quantity.TryParseRate(String(), out var r)) throw Error($"must be a rate such as 1Gbit, 100Mbit/s or 125MB/s, got '{String()}'");
        return r;
    }

    public TimeSpan Duration(TimeSpan fallback)
    {
        if (IsMissing) return fallback;
        if (!Quantity.TryParseDuration(String(), out var d)) throw Error($"must be a duration such as 5ms, 1.5s or 2m, got '{String()}'");
        return d;
    }

    public TimeSpan? OptionalDuration() => IsMissing ? null : Duration(default);

    public IReadOnlyList<string> StringList()
    {
        if (IsMissing) return [];
        if (IsScalar) return [String()];
        return Items().Select(i => i.String()).ToList();
    }

    private string Join(string key) => Path.Length == 0 ? key : $"{Path}.{key}";
}
