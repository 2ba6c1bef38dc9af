using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli;

/// <summary>What a command handler needs: the parsed options, the repository, and where to write.</summary>
public sealed class CliContext(ParseResult parse)
{
    public ParseResult Parse { get; } = parse;
    public ShoalRepo Repo { get; } = new(parse.GetValue(GlobalOptions.Repo) ?? ShoalRepo.DefaultPath());
    public bool Json => Parse.GetValue(GlobalOptions.Json);
    public TextWriter Out => Parse.InvocationConfiguration.Output;
    public TextWriter Error => Parse.InvocationConfiguration.Error;

    public T? Get<T>(Option<T> option) => Parse.GetValue(option);

    public Task WriteJsonAsync<T>(T value) => Out.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(value, JsonOutput));

    public static readonly System.Text.Json.JsonSerializerOptions JsonOutput = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static readonly System.Text.Json.JsonSerializerOptions JsonOutputIndented = new(JsonOutput) { WriteIndented = true };

    /// <summary>Progress bars go to standard error (stdout stays the data): by default only for people (stderr a
    /// terminal, no --json); --progress / --progress=false decide explicitly.</summary>
    public bool ShowProgress => Parse.GetValue(GlobalOptions.Progress) ?? (!Console.IsErrorRedirected && !Json);
    public T? Get<T>(Argument<T> argument) => Parse.GetValue(argument);
}
