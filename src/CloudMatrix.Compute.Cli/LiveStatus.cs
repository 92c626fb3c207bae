using System.Diagnostics;
using System.Globalization;

namespace CloudMatrix.Compute.Cli;

/// <summary>
/// The progress of one phase of work (planning, a real run, verification). On a terminal (standard error is a TTY and
/// the output is not <c>--json</c>) one status line is redrawn four times a second with a spinner, the phase, the
/// latest step and the seconds elapsed, so a phase that takes longer than a second never looks stalled; it is blanked
/// when the phase ends. Elsewhere (pipes, files, CI, <c>--json</c>) nothing is drawn and the callers print their plain
/// lines as before. Receives step names through <see cref="IProgress{T}"/> (as <c>ExecuteOptions.Progress</c>).
/// </summary>
internal sealed class LiveStatus : IProgress<string>, IDisposable
{
    private static readonly string[] Spinner = ["|", "/", "-", "\\"];
    private readonly TerminalProgress _line;
    private readonly string _phase;
    private readonly int _steps;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer? _timer;
    private readonly Lock _sync = new();
    private string _detail = "";
    private int _reported, _frame;
    private bool _disposed;

    private LiveStatus(TerminalProgress line, bool live, string phase, int steps)
    {
        _line = line;
        _phase = phase;
        _steps = steps;
        Live = live;
        if (live)
        {
            Draw();
            _timer = new Timer(_ => Draw(), null, 250, 250);
        }
    }

    /// <summary>Whether the status line is drawn (a terminal, not <c>--json</c>).</summary>
    public bool Live { get; }

    /// <summary>Starts <paramref name="phase"/>; <paramref name="steps"/> &gt; 0 shows "step i/steps" with each report.</summary>
    public static LiveStatus Start(CliContext context, bool json, string phase, int steps = 0) =>
        new(TerminalProgress.For(context, json), !json && context.ErrorIsTerminal, phase, steps);

    /// <summary>Records the step now running; the next redraw shows it.</summary>
    public void Report(string value)
    {
        Interlocked.Increment(ref _reported);
        lock (_sync)
        {
            _detail = value;
        }
    }

    /// <summary>Shows <paramref name="value"/> (a phase within the phase, e.g. verification) without counting it as a step.</summary>
    public void Phase(string value)
    {
        lock (_sync)
        {
            _detail = value;
        }
    }

    private void Draw()
    {
        lock (_sync)
        {
            if (_disposed) return;
            string step = _steps > 0 && _reported > 0 ? $" [{Math.Min(_reported, _steps)}/{_steps}]" : "";
            string detail = _detail.Length == 0 ? "" : ": " + _detail;
            string text = string.Create(CultureInfo.InvariantCulture, $"{Spinner[_frame++ % Spinner.Length]} {_phase}{step}{detail} ({_clock.Elapsed.TotalSeconds:F1} s)");
            int width = Console.IsErrorRedirected ? 120 : Math.Max(20, SafeWidth() - 1);
            _line.Report(text.Length > width ? text[..(width - 1)] + "~" : text);
        }
    }

    private static int SafeWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 120;
        }
        catch (IOException)
        {
            return 120;
        }
    }

    /// <summary>Blanks the status line.</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        lock (_sync)
        {
            _disposed = true;
            _line.Clear();
        }
    }
}
