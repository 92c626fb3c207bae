using System.CommandLine;
using System.Globalization;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary>
/// <c>cmx info</c>: the system table (devices, BF16 PFLOPS, HBM, power, cost, transceivers) summed from the preset's
/// per-device and per-link figures, with derived ratios; <c>--compare A,B</c> puts systems side by side.
/// </summary>
internal static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var system = new Option<string?>("--system") { Description = $"Preset name: {string.Join(", ", Systems.Names)} (default cloudmatrix384)." };
        var topology = new Option<string?>("--topology") { Description = "A topology file (cmx-topology JSON) instead of a preset." };
        var granularity = new Option<string>("--granularity") { Description = "Devices are 'npu' (chips) or 'die'.", DefaultValueFactory = _ => "npu" };
        var supernodes = SupernodesOption();
        var compare = new Option<string?>("--compare") { Description = "Comma-separated preset names or topology files to put side by side, e.g. cloudmatrix384,gb200-nvl72." };
        var command = new Command("info", "Print a system's table and derived ratios (PFLOPS per kW, HBM TB/s per $M, bisection bandwidth, transceivers).")
        {
            system, topology, granularity, supernodes, compare,
        };
        command.SetAction(parse =>
        {
            bool json = parse.GetValue(CliContext.JsonOption);
            DeviceGranularity g = ParseGranularity(parse.GetValue(granularity));
            string? compareList = parse.GetValue(compare);
            List<SystemSummary> summaries;
            RefuseGranularityWithFile(parse, granularity, parse.GetValue(topology));
            if (compareList is not null)
            {
                if (parse.GetValue(system) is not null || parse.GetValue(topology) is not null || Given(parse, supernodes))
                {
                    throw new CliUsageException("--compare names every system itself; do not combine it with --system, --topology or --supernodes.");
                }

                string[] names = compareList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (names.Length < 2)
                {
                    throw new CliUsageException($"--compare needs at least two comma-separated systems, was '{compareList}'.");
                }

                summaries = names.Select(n => Resolve(n, g, Given(parse, granularity)).Summarize()).ToList();
            }
            else
            {
                summaries = [ResolveSystem(parse.GetValue(system), parse.GetValue(topology), g, parse.GetValue(supernodes)).Summarize()];
            }

            if (json)
            {
                if (summaries.Count == 1)
                {
                    context.WriteJson(summaries[0]);
                }
                else
                {
                    context.WriteJson(new { Systems = summaries, RatioFirstOverSecond = summaries.Count == 2 ? Ratios(summaries[0], summaries[1]) : null });
                }
            }
            else
            {
                WriteTable(context.Out, summaries);
            }

            return CmxApp.ExitOk;
        });
        return command;
    }

    /// <summary>The <c>--supernodes</c> option shared by the verbs that pick a system.</summary>
    internal static Option<int> SupernodesOption() => new("--supernodes")
    {
        Description = "Join this many CloudMatrix384 supernodes over their RDMA planes.",
        DefaultValueFactory = _ => 1,
    };

    /// <summary>
    /// The system named by <c>--system</c> (joined <paramref name="supernodes"/> times for CloudMatrix384) or loaded
    /// from <c>--topology</c> (CloudMatrix384 when neither).
    /// </summary>
    internal static SystemSpec ResolveSystem(string? name, string? topologyPath, DeviceGranularity granularity, int supernodes = 1)
    {
        if (name is not null && topologyPath is not null)
        {
            throw new CliUsageException("Give --system or --topology, not both.");
        }

        if (supernodes < 1)
        {
            throw new CliUsageException($"--supernodes must be >= 1, was {supernodes}.");
        }

        if (topologyPath is not null)
        {
            return supernodes == 1 ? LoadTopology(topologyPath) : throw new CliUsageException("--supernodes applies to presets, not to --topology files.");
        }

        string preset = name ?? "cloudmatrix384";
        if (supernodes > 1)
        {
            return string.Equals(preset.Trim(), "cloudmatrix384", StringComparison.OrdinalIgnoreCase)
                ? Systems.CloudMatrix384Cluster(supernodes, granularity)
                : throw new CliUsageException($"--supernodes joins CloudMatrix384 supernodes; --system was '{preset}'.");
        }

        return Preset(preset, granularity);
    }

    /// <summary>The preset <paramref name="name"/>; <c>--granularity die</c> on a preset modelled by whole chips is a usage error.</summary>
    internal static SystemSpec Preset(string name, DeviceGranularity granularity)
    {
        if (granularity == DeviceGranularity.Die && Systems.Names.Contains(name.Trim().ToLowerInvariant()) &&
            !string.Equals(name.Trim(), "cloudmatrix384", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliUsageException($"--granularity die: {name} is modelled by whole chips only; die applies to cloudmatrix384. Drop --granularity or give npu.");
        }

        return Systems.ByName(name, granularity);
    }

    internal static DeviceGranularity ParseGranularity(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "npu" => DeviceGranularity.Npu,
        "die" => DeviceGranularity.Die,
        _ => throw new CliUsageException($"--granularity must be 'npu' or 'die', was '{value}'."),
    };

    /// <summary>Whether the user wrote <paramref name="option"/> on the command line (not just its default).</summary>
    internal static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>A topology file says its own granularity; <c>--granularity</c> next to <c>--topology</c> would be ignored.</summary>
    internal static void RefuseGranularityWithFile(ParseResult parse, Option granularity, string? topologyPath)
    {
        if (topologyPath is not null && Given(parse, granularity))
        {
            throw new CliUsageException(
                $"--granularity applies to presets; the file given to --topology ('{topologyPath}') sets its own granularity. Drop --granularity.");
        }
    }

    private static SystemSpec Resolve(string nameOrFile, DeviceGranularity g, bool granularityGiven) =>
        nameOrFile.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? (granularityGiven
                ? throw new CliUsageException($"--granularity applies to presets; the file '{nameOrFile}' in --compare sets its own granularity.")
                : LoadTopology(nameOrFile, "--compare"))
            : Preset(nameOrFile, g);

    private static SystemSpec LoadTopology(string path, string option = "--topology")
    {
        if (Directory.Exists(path))
        {
            throw new CliUsageException($"{option}: '{path}' is a directory; give a topology file (cmx-topology JSON).");
        }

        if (!File.Exists(path))
        {
            throw new CliUsageException($"{option}: file '{path}' does not exist.");
        }

        try
        {
            return TopologyFile.Load(path);
        }
        catch (TopologyFormatException ex)
        {
            throw new CliUsageException(ex.Message);
        }
    }

    private static Dictionary<string, double> Ratios(SystemSummary a, SystemSummary b) => new()
    {
        ["devices"] = (double)a.Devices / b.Devices,
        ["bf16_pflops"] = a.Bf16Pflops / b.Bf16Pflops,
        ["hbm_tb"] = a.HbmTb / b.HbmTb,
        ["hbm_tbps"] = a.HbmTbps / b.HbmTbps,
        ["power_kw"] = a.PowerKw / b.PowerKw,
        ["cost_musd"] = a.CostMusd / b.CostMusd,
        ["pflops_per_kw"] = a.PflopsPerKw / b.PflopsPerKw,
        ["hbm_tbps_per_musd"] = a.HbmTbpsPerMusd / b.HbmTbpsPerMusd,
        ["bisection_tbps"] = a.BisectionTbps / b.BisectionTbps,
    };

    private static void WriteTable(TextWriter o, List<SystemSummary> s)
    {
        var rows = new (string Label, Func<SystemSummary, double> Value, string Format)[]
        {
            ("devices", x => x.Devices, "N0"),
            ("BF16 dense, PFLOPS", x => x.Bf16Pflops, "N1"),
            ("HBM capacity, TB", x => x.HbmTb, "N1"),
            ("HBM bandwidth, TB/s", x => x.HbmTbps, "N0"),
            ("power, kW", x => x.PowerKw, "N0"),
            ("cost, $M", x => x.CostMusd, "N1"),
            ("optical transceivers", x => x.OpticalTransceivers, "N0"),
            ("  scale-up", x => x.ScaleUpTransceivers, "N0"),
            ("  scale-out", x => x.ScaleOutTransceivers, "N0"),
            ("nodes", x => x.Nodes, "N0"),
            ("racks", x => x.Racks, "N0"),
            ("host CPUs", x => x.Cpus, "N0"),
            ("switch chips", x => x.SwitchChips, "N0"),
            ("links", x => x.Links, "N0"),
            ("scale-up per device, TB/s", x => x.ScaleUpTbpsPerDevice, "N3"),
            ("bisection, TB/s", x => x.BisectionTbps, "N1"),
            ("  scale-up only", x => x.ScaleUpBisectionTbps, "N1"),
            ("PFLOPS per kW", x => x.PflopsPerKw, "N3"),
            ("HBM TB/s per $M", x => x.HbmTbpsPerMusd, "N1"),
        };
        var c = CultureInfo.InvariantCulture;
        const int labelWidth = 28, colWidth = 16;
        o.Write("".PadRight(labelWidth));
        foreach (SystemSummary x in s)
        {
            o.Write($"{x.Name} ({x.Granularity.ToString().ToLowerInvariant()})".PadLeft(colWidth + 6));
        }

        o.WriteLine(s.Count == 2 ? "ratio".PadLeft(10) : "");
        foreach (var (label, value, format) in rows)
        {
            o.Write(label.PadRight(labelWidth));
            foreach (SystemSummary x in s)
            {
                o.Write(value(x).ToString(format, c).PadLeft(colWidth + 6));
            }

            if (s.Count == 2)
            {
                double b = value(s[1]);
                o.Write((b != 0 ? (value(s[0]) / b).ToString("N2", c) : "-").PadLeft(10));
            }

            o.WriteLine();
        }

        o.WriteLine();
        o.WriteLine("Summed from per-device and per-link figures; power and cost are the sources' system totals.");
        o.WriteLine("Bisection: max flow between the first and second half of the devices, one way.");
    }
}
