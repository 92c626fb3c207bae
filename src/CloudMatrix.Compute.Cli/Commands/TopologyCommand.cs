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

                string shape = torusShape ?? meshShape!;
                int[] dims = shape.Split('x').Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : -1).ToArray();
                if (dims.Any(d => d < 2))
                {
                    throw new CliUsageException($"--{(torusShape is null ? "mesh" : "torus")} must be extents >= 2 joined by 'x' (e.g. 16x24), was '{shape}'.");
                }

                spec = TopologyBuilder.Torus(dims, parse.GetValue(linkGbps) * 1e9, parse.GetValue(latencyUs) * 1e-6, wrap: torusShape is not null);
            }
            else if (count > 1)
            {
                string name = parse.GetValue(system) ?? "cloudmatrix384";
                if (!string.Equals(name, "cloudmatrix384", StringComparison.OrdinalIgnoreCase))
                {
                    throw new CliUsageException($"--supernodes joins CloudMatrix384 supernodes; --system was '{name}'.");
                }

                spec = Systems.CloudMatrix384Cluster(count, g);
            }
            else
            {
                if (count < 1)
                {
                    throw new CliUsageException($"--supernodes must be >= 1, was {count}.");
                }

                spec = Systems.ByName(parse.GetValue(system) ?? "cloudmatrix384", g);
            }

            string path = parse.GetValue(output)!;
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
}
