using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudMatrix.Compute.Cli;

/// <summary>Where a verb writes, and the JSON convention every verb follows.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    /// <summary>The shared <c>--json</c> option: one JSON object on standard output, human text on standard error.</summary>
    public static Option<bool> JsonOption { get; } = new("--json")
    {
        Description = "Write one machine-readable JSON object to standard output (human text goes to standard error).",
        Recursive = true,
    };

    /// <summary>JSON settings of every verb: snake_case field names, indented, non-finite numbers as strings.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Standard output: the result (human table, or the JSON object).</summary>
    public TextWriter Out { get; } = stdout;

    /// <summary>Standard error: progress, warnings and, under <c>--json</c>, any human text.</summary>
    public TextWriter Error { get; } = stderr;

    /// <summary>Whether <see cref="Error"/> is the process's standard error and that is a terminal (for progress lines).</summary>
    public bool ErrorIsTerminal => ReferenceEquals(Error, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>Writes <paramref name="value"/> as the verb's one JSON object on standard output.</summary>
    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    /// <summary>The writer for human-readable text: standard output normally, standard error under <c>--json</c>.</summary>
    public TextWriter Human(bool json) => json ? Error : Out;
}
