using System.CommandLine;
using System.Globalization;
using CloudMatrix.Compute.Backends;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary>
/// <c>cmx devices</c>: every compute backend, whether it can run here, its device and memory, why it cannot, and
/// which one <c>auto</c> picks.
/// </summary>
internal static class DevicesCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("devices",
            "List the compute backends (cpu-simd, ilgpu-cpu, cuda, opencl), the device each would use and its memory, " +
            "why an unavailable one is unavailable, and which one 'auto' picks (cuda > opencl > cpu-simd).");
        command.SetAction(parse =>
        {
            IReadOnlyList<BackendInfo> probes = BackendRegistry.Probe();
            var report = new DevicesReport(
                probes.Select(p => new DeviceRow(p.Name, p.Available, p.DeviceName, p.MemoryBytes, p.Reason)).ToList(),
                BackendRegistry.AutoChoice(probes));

            if (parse.GetValue(CliContext.JsonOption))
            {
                context.WriteJson(report);
                return CmxApp.ExitOk;
            }

            TextWriter o = context.Out;
            int width = Math.Max(9, report.Backends.Max(b => b.Name.Length)) + 2;
            o.WriteLine($"{"backend".PadRight(width)}{"available",-11}{"memory",-12}device / reason");
            foreach (DeviceRow row in report.Backends)
            {
                string memory = row.MemoryBytes is long bytes ? (bytes / 1e9).ToString("F1", CultureInfo.InvariantCulture) + " GB" : "-";
                o.WriteLine($"{row.Name.PadRight(width)}{(row.Available ? "yes" : "no"),-11}{memory,-12}{row.Device ?? row.Reason}");
            }

            o.WriteLine($"auto picks: {report.Auto} (order: {string.Join(" > ", BackendRegistry.AutoOrder)})");
            return CmxApp.ExitOk;
        });
        return command;
    }

    /// <summary>The JSON of <c>cmx devices --json</c>.</summary>
    internal sealed record DevicesReport(IReadOnlyList<DeviceRow> Backends, string Auto);

    /// <summary>One backend: <c>device</c> and <c>memory_bytes</c> when available, <c>reason</c> when not.</summary>
    internal sealed record DeviceRow(string Name, bool Available, string? Device, long? MemoryBytes, string? Reason);
}
