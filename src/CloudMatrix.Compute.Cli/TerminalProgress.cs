namespace CloudMatrix.Compute.Cli;

/// <summary>
/// One self-overwriting status line on standard error, shown only when standard error is a terminal and the
/// table goes to standard output; otherwise every call does nothing, so piped and <c>--json</c> output stays plain
/// and parseable.
/// </summary>
internal sealed class TerminalProgress(TextWriter error, bool enabled) : IDisposable
{
    private int _shown;

    /// <summary>Progress for a verb: enabled when stderr is a terminal and <paramref name="json"/> is off.</summary>
    public static TerminalProgress For(CliContext context, bool json) => new(context.Error, !json && context.ErrorIsTerminal);

    /// <summary>Replaces the status line with <paramref name="text"/>.</summary>
    public void Report(string text)
    {
        if (!enabled) return;
        error.Write('\r' + text.PadRight(_shown));
        error.Flush();
        _shown = text.Length;
    }

    /// <summary>Blanks the status line, before a line of results is written to the same terminal.</summary>
    public void Clear()
    {
        if (!enabled || _shown == 0) return;
        error.Write('\r' + new string(' ', _shown) + '\r');
        error.Flush();
        _shown = 0;
    }

    /// <inheritdoc/>
    public void Dispose() => Clear();
}
