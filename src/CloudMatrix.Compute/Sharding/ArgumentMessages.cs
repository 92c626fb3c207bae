namespace CloudMatrix.Compute.Sharding;

/// <summary>Rethrowing an <see cref="ArgumentException"/> under the caller's parameter name, keeping its text.</summary>
internal static class ArgumentMessages
{
    /// <summary>The message without the runtime's " (Parameter 'x')" suffix and "Actual value was" line.</summary>
    public static string Plain(ArgumentException ex)
    {
        string message = ex.Message;
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        if (newline >= 0) message = message[..newline].TrimEnd('\r');
        if (ex.ParamName is { } name)
        {
            string suffix = new ArgumentException("", name).Message;
            if (message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
        }

        return message;
    }

    /// <summary>The same failure, named as parameter <paramref name="paramName"/> of the public entry point.</summary>
    public static ArgumentException Rename(ArgumentException ex, string paramName) => new(Plain(ex), paramName, ex);
}
