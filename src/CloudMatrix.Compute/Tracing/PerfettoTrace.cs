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
    public static string ToJson(Timeline timeline, string title)
    {
        ArgumentNullException.ThrowIfNull(timeline);
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
    public static void Save(Timeline timeline, string title, string path) => File.WriteAllText(path, ToJson(timeline, title));

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
