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

    /// <summary>
    /// A parse error of System.CommandLine in cmx's words: "Cannot parse argument 'x' for option '--o' as expected type
    /// 'System.Nullable`1[System.Int32]'" names a .NET type; this names the option, the value and what is valid.
    /// </summary>
    public static string ParseError(string message)
    {
        Match match = CannotParse().Match(message);
        if (!match.Success) return message;
        string type = match.Groups["type"].Value;
        string? valid =
            type.Contains("Int32", StringComparison.Ordinal) ? $"a whole number from {int.MinValue} to {int.MaxValue}" :
            type.Contains("Int64", StringComparison.Ordinal) ? $"a whole number from {long.MinValue} to {long.MaxValue}" :
            type.Contains("Double", StringComparison.Ordinal) ? "a number such as 2, 0.5 or 1e6" :
            null;
        return valid is null
            ? message
            : $"{match.Groups["option"].Value} is '{match.Groups["value"].Value}', which is not {valid}.";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    [GeneratedRegex(@" \(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();

    [GeneratedRegex(@"\r?\nActual value was [^\r\n]*")]
    private static partial Regex ActualValueLine();
}
