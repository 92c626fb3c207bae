using System.Globalization;
using System.Text;
using CloudMatrix.Compute.Execution;

namespace CloudMatrix.Compute.Tracing;

/// <summary>
/// Writes a simulated timeline as a Chrome trace (JSON array of complete events, microseconds) that ui.perfetto.dev
/// and chrome://tracing open: one track per device for its GEMMs, one track for the communication stream. Times are
/// simulated, not host times.
/// </summary>
public static class PerfettoTrace
{
    /// <summary>The trace as JSON text.</summary>
    /// <param name="timeline">The timeline.</param>
    /// <param name="title">Process name shown in the viewer (e.g. the system and strategy).</param>
    /// <returns>The JSON.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="timeline"/> or <paramref name="title"/> is null.</exception>
    /// <exception cref="ArgumentException">The timeline has no step list, a null step, a step without a name, or a
    /// time that is not finite (JSON has no NaN or infinity); <c>ParamName</c> is <c>timeline</c> and the message
    /// names the step as <c>timeline.Steps[i]</c>.</exception>
    public static string ToJson(Timeline timeline, string title)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(title);
        Check(timeline);
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("[\n");
        sb.Append(c, $"{{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{{\"name\":\"{Escape(title)} (simulated)\"}}}}");
        sb.Append(c, $",\n{{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"thread_name\",\"args\":{{\"name\":\"communication\"}}}}");
        int devices = timeline.Steps.Where(s => s.DeviceSeconds is not null).Select(s => s.DeviceSeconds!.Count).DefaultIfEmpty(0).Max();
        for (int d = 0; d < devices; d++)
        {
            sb.Append(c, $",\n{{\"ph\":\"M\",\"pid\":1,\"tid\":{d + 1},\"name\":\"thread_name\",\"args\":{{\"name\":\"device {d} compute\"}}}}");
        }

        foreach (StepTiming s in timeline.Steps)
        {
            if (s.DeviceSeconds is null)
            {
                sb.Append(c, $",\n{{\"ph\":\"X\",\"pid\":1,\"tid\":0,\"name\":\"{Escape(s.Name)}\",\"ts\":{s.StartSeconds * 1e6:R},\"dur\":{(s.EndSeconds - s.StartSeconds) * 1e6:R},\"args\":{{\"bytes\":{s.Bytes:R},\"detail\":\"{Escape(s.Detail)}\"}}}}");
                continue;
            }

            for (int d = 0; d < s.DeviceSeconds.Count; d++)
            {
                if (s.DeviceSeconds[d] <= 0) continue;
                sb.Append(c, $",\n{{\"ph\":\"X\",\"pid\":1,\"tid\":{d + 1},\"name\":\"{Escape(s.Name)}\",\"ts\":{s.StartSeconds * 1e6:R},\"dur\":{s.DeviceSeconds[d] * 1e6:R}}}");
            }
        }

        return sb.Append("\n]\n").ToString();
    }

    /// <summary>Writes the trace to <paramref name="path"/>.</summary>
    /// <param name="timeline">The timeline.</param>
    /// <param name="title">Process name in the viewer.</param>
    /// <param name="path">The file to write.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The timeline cannot be written, as for <see cref="ToJson"/>.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(Timeline timeline, string title, string path) => File.WriteAllText(path, ToJson(timeline, title));

    private static void Check(Timeline timeline)
    {
        if (timeline.Steps is null)
        {
            throw new ArgumentException("timeline.Steps is null; a timeline needs a step list (it may be empty).", nameof(timeline));
        }

        for (int i = 0; i < timeline.Steps.Count; i++)
        {
            StepTiming s = timeline.Steps[i] ?? throw new ArgumentException($"timeline.Steps[{i}] is null.", nameof(timeline));
            if (s.Name is null)
            {
                throw new ArgumentException($"timeline.Steps[{i}].Name is null.", nameof(timeline));
            }

            static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
            string? bad = !double.IsFinite(s.StartSeconds) ? $"StartSeconds is {F(s.StartSeconds)}"
                : !double.IsFinite(s.EndSeconds) ? $"EndSeconds is {F(s.EndSeconds)}"
                : !double.IsFinite(s.Bytes) ? $"Bytes is {F(s.Bytes)}"
                : s.DeviceSeconds?.Select((v, d) => (v, d)).Where(x => !double.IsFinite(x.v)).Select(x => $"DeviceSeconds[{x.d}] is {F(x.v)}").FirstOrDefault();
            if (bad is not null)
            {
                throw new ArgumentException(
                    $"timeline.Steps[{i}] ({s.Name}): {bad}; a trace needs finite times and sizes.",
                    nameof(timeline));
            }
        }
    }

    /// <summary>A JSON string body: backslash, quote and every control character escaped (a name or title with a
    /// newline or tab stays one valid string).</summary>
    private static string Escape(string? s)
    {
        if (string.IsNullOrEmpty(s)) return "";
        var sb = new StringBuilder(s.Length);
        foreach (char ch in s)
        {
            switch (ch)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (ch < ' ') sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)ch:x4}");
                    else sb.Append(ch);
                    break;
            }
        }

        return sb.ToString();
    }
}
