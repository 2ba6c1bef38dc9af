using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shoal.Lab.Reports;

/// <summary>The machine-readable report: the whole <see cref="ExperimentResult"/> as indented JSON.</summary>
public static class JsonReport
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The result as JSON; without <paramref name="includeHost"/> it is a pure function of scenario and seed.</summary>
    public static string Serialize(ExperimentResult result, bool includeHost = true)
    {
        var host = result.Host;
        if (!includeHost) result.Host = null;
        try { return JsonSerializer.Serialize(result, Options); }
        finally { result.Host = host; }
    }

    public static ExperimentResult Load(string path)
        => JsonSerializer.Deserialize<ExperimentResult>(File.ReadAllText(path), Options)
           ?? throw new InvalidDataException($"{path} holds no Lab report");
}
