using System.CommandLine;
using System.Globalization;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary>
/// <c>cmx topology</c>: writes a preset or a variant (joined supernodes, a torus or mesh) as a cmx-topology file to
/// start a custom topology from.
/// </summary>
internal static class TopologyCommand
{
    public static Command Create(CliContext context)
    {
        var system = new Option<string?>("--system") { Description = $"Preset name: {string.Join(", ", Systems.Names)} (default cloudmatrix384)." };
        var granularity = new Option<string>("--granularity") { Description = "Devices are 'npu' (chips) or 'die'.", DefaultValueFactory = _ => "npu" };
        var supernodes = new Option<int>("--supernodes") { Description = "Join this many CloudMatrix384 supernodes over RDMA.", DefaultValueFactory = _ => 1 };
        var torus = new Option<string?>("--torus") { Description = "Instead of a preset: a torus of devices, e.g. 16x24, with --link-gbps and --latency-us." };
        var mesh = new Option<string?>("--mesh") { Description = "Like --torus without wrap-around links." };
        var linkGbps = new Option<double>("--link-gbps") { Description = "Torus or mesh link bandwidth, GB/s each way.", DefaultValueFactory = _ => 196 };
        var latencyUs = new Option<double>("--latency-us") { Description = "Torus or mesh hop latency, microseconds.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "File to write.", Required = true };
        var command = new Command("topology", "Write a preset or a variant as a cmx-topology JSON file (see docs/topology-format.md).")
        {
            system, granularity, supernodes, torus, mesh, linkGbps, latencyUs, output,
        };
        command.SetAction(parse =>
        {
            string path = OutputPath(parse.GetValue(output));
            DeviceGranularity g = InfoCommand.ParseGranularity(parse.GetValue(granularity));
            int count = parse.GetValue(supernodes);
            string? torusShape = parse.GetValue(torus), meshShape = parse.GetValue(mesh);
            SystemSpec spec;
            if (torusShape is not null || meshShape is not null)
            {
                if (torusShape is not null && meshShape is not null)
                {
                    throw new CliUsageException("Give --torus or --mesh, not both.");
                }

                string option = torusShape is null ? "--mesh" : "--torus";
                foreach (Option presetOnly in new Option[] { system, granularity, supernodes })
                {
                    if (InfoCommand.Given(parse, presetOnly))
                    {
                        throw new CliUsageException($"{presetOnly.Name} picks a preset; {option} builds its own system. Give one of them.");
                    }
                }

                string shape = torusShape ?? meshShape!;
                int[] dims = shape.Split('x').Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : -1).ToArray();
                if (dims.Any(d => d < 2))
                {
                    throw new CliUsageException($"{option} must be extents >= 2 joined by 'x' (e.g. 16x24), was '{shape}'.");
                }

                double devices = dims.Aggregate(1.0, (a, d) => a * d);
                if (devices > TopologyBuilder.MaxDevices)
                {
                    throw new CliUsageException(
                        $"{option} {shape} has {devices.ToString("N0", CultureInfo.InvariantCulture)} devices; at most {TopologyBuilder.MaxDevices:N0} are supported.");
                }

                double gbps = parse.GetValue(linkGbps), us = parse.GetValue(latencyUs);
                if (!(double.IsFinite(gbps) && gbps > 0 && gbps * 1e9 < double.MaxValue))
                {
                    throw new CliUsageException(
                        $"--link-gbps must be a finite number of GB/s > 0 whose bytes per second are finite too (at most {(double.MaxValue / 1e9).ToString("G3", CultureInfo.InvariantCulture)}), was {gbps.ToString(CultureInfo.InvariantCulture)}.");
                }

                if (!(double.IsFinite(us) && us >= 0))
                {
                    throw new CliUsageException($"--latency-us must be a finite number of microseconds >= 0, was {us.ToString(CultureInfo.InvariantCulture)}.");
                }

                spec = TopologyBuilder.Torus(dims, gbps * 1e9, us * 1e-6, wrap: torusShape is not null);
            }
            else
            {
                foreach (Option torusOnly in new Option[] { linkGbps, latencyUs })
                {
                    if (InfoCommand.Given(parse, torusOnly))
                    {
                        throw new CliUsageException($"{torusOnly.Name} sets the links of --torus or --mesh; a preset has its own links.");
                    }
                }

                if (count < 1)
                {
                    throw new CliUsageException($"--supernodes must be >= 1, was {count}.");
                }

                string name = parse.GetValue(system) ?? "cloudmatrix384";
                if (count > 1)
                {
                    if (!string.Equals(name.Trim(), "cloudmatrix384", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new CliUsageException($"--supernodes joins CloudMatrix384 supernodes; --system was '{name}'.");
                    }

                    spec = Systems.CloudMatrix384Cluster(count, g);
                }
                else
                {
                    spec = InfoCommand.Preset(name, g);
                }
            }

            TopologyFile.Save(spec, path);
            bool json = parse.GetValue(CliContext.JsonOption);
            if (json)
            {
                context.WriteJson(new { File = path, System = spec.Name, Devices = spec.DeviceCount, Switches = spec.Switches.Count, Links = spec.Links.Count });
            }
            else
            {
                context.Out.WriteLine($"wrote {path}: {spec}");
            }

            return CmxApp.ExitOk;
        });
        return command;
    }

    /// <summary>Checks <c>--out</c> before any work: a file path, not empty and not a directory.</summary>
    private static string OutputPath(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CliUsageException($"--out must be a file path, was '{path}'.");
        }

        if (Directory.Exists(path))
        {
            throw new CliUsageException($"--out '{path}' is a directory; give a file path such as {Path.Combine(path, "topology.json")}.");
        }

        return path;
    }
}
