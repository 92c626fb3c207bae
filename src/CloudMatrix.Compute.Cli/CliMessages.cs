using System.Text.RegularExpressions;

namespace CloudMatrix.Compute.Cli;

/// <summary>The library's exception text as cmx prints it: without the runtime's parameter suffix and "Actual value" line.</summary>
internal static partial class CliMessages
{
    /// <summary>
    /// <paramref name="message"/> without " (Parameter 'x')" and "Actual value was ..." (the library's messages already
    /// name the value, and cmx names options, not the API's parameters).
    /// </summary>
    public static string Clean(string message)
    {
        string text = ParameterSuffix().Replace(message, "");
        return ActualValueLine().Replace(text, "").TrimEnd();
    }

    [GeneratedRegex(@" \(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();

    [GeneratedRegex(@"\r?\nActual value was [^\r\n]*")]
    private static partial Regex ActualValueLine();
}
