using System.CommandLine;
using System.Globalization;
using CloudMatrix.Compute.Memory;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary><c>cmx simulate --flows FILE</c>: runs a flow list through the network simulator of a system.</summary>
internal static class SimulateCommand
{
    public static Command Create(CliContext context)
    {
        var flows = new Option<string?>("--flows") { Description = "Flow list (cmx-flows JSON; see docs/flow-format.md)." };
        var pattern = new Option<string?>("--pattern") { Description = "Instead of --flows: a generated pattern, 'all-to-all' (every device to every other) or 'ring' (device i to i+1), of --bytes per flow." };
        var bytesOption = new Option<double>("--bytes") { Description = "Bytes per flow of --pattern.", DefaultValueFactory = _ => 1e6 };
        var system = new Option<string?>("--system") { Description = $"Preset name: {string.Join(", ", Systems.Names)} (default cloudmatrix384)." };
        var topology = new Option<string?>("--topology") { Description = "A topology file (cmx-topology JSON) instead of a preset." };
        var granularity = new Option<string>("--granularity") { Description = "Devices are 'npu' (chips) or 'die'.", DefaultValueFactory = _ => "npu" };
        var faults = new Option<string[]>("--fault")
        {
            Description = "Take something down or degrade it: link:ID, transceiver:ID, switch:ID or plane:K, with @F to keep a fraction F of its bandwidth (e.g. plane:3@0.5). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var supernodes = InfoCommand.SupernodesOption();
        var top = new Option<int>("--top") { Description = "How many of the busiest link directions to list.", DefaultValueFactory = _ => 10 };
        var command = new Command("simulate", "Simulate a flow list on a system's network: per-flow times, per-link bytes and busy time, total simulated time.")
        {
            flows, pattern, bytesOption, system, topology, granularity, supernodes, faults, top,
        };
        command.SetAction(parse =>
        {
            bool json = parse.GetValue(CliContext.JsonOption);
            InfoCommand.RefuseGranularityWithFile(parse, granularity, parse.GetValue(topology));
            SystemSpec spec = InfoCommand.ResolveSystem(parse.GetValue(system), parse.GetValue(topology),
                InfoCommand.ParseGranularity(parse.GetValue(granularity)), parse.GetValue(supernodes));
            int topCount = parse.GetValue(top);
            if (topCount < 0)
            {
                throw new CliUsageException($"--top must be >= 0, was {topCount}.");
            }

            string? path = parse.GetValue(flows);
            string? patternName = parse.GetValue(pattern);
            IReadOnlyList<Flow> list;
            if ((path is null) == (patternName is null))
            {
                throw new CliUsageException("Give either --flows FILE or --pattern NAME.");
            }

            if (patternName is not null)
            {
                list = Pattern(patternName, spec.DeviceCount, parse.GetValue(bytesOption));
            }
            else
            {
                if (InfoCommand.Given(parse, bytesOption))
                {
                    throw new CliUsageException($"--bytes sets the flows of --pattern; the file given to --flows ('{path}') sets its own bytes. Drop --bytes.");
                }

                if (Directory.Exists(path))
                {
                    throw new CliUsageException($"--flows: '{path}' is a directory; give a flow file (cmx-flows JSON).");
                }

                if (!File.Exists(path))
                {
                    throw new CliUsageException($"--flows: file '{path}' does not exist.");
                }

                try
                {
                    list = FlowFile.Load(path!, spec);
                }
                catch (FormatException ex)
                {
                    throw new CliUsageException(ex.Message);
                }
            }

            // Checked against the system, so a fault naming nothing of it is a usage error quoting --fault.
            var faultList = CollectiveCommand.ParseFaults(spec, parse.GetValue(faults) ?? []);
            var simulator = new NetworkSimulator(spec, faultList);
            SimulationResult result = simulator.Run(list);
            var busiest = result.Links.Where(l => l.Bytes > 0).OrderByDescending(l => l.Bytes).ThenBy(l => l.LinkId, StringComparer.Ordinal).ToList();
            if (json)
            {
                context.WriteJson(new
                {
                    System = spec.Name,
                    Devices = spec.DeviceCount,
                    Faults = faultList.Select(f => new { f.Kind, f.Target, f.BandwidthFactor }),
                    FlowCount = list.Count,
                    SimulatedSeconds = result.TotalSeconds,
                    HostSeconds = result.HostTime.TotalSeconds,
                    result.Epochs,
                    Flows = result.Flows.Select(f => new
                    {
                        f.Id,
                        f.Tag,
                        f.StartSeconds,
                        f.TransmitEndSeconds,
                        f.FinishSeconds,
                        f.PathLatencySeconds,
                    }),
                    Links = busiest.Select(l => new { Link = l.LinkId, l.From, l.To, l.Bytes, l.BusySeconds }),
                });
            }
            else
            {
                var c = CultureInfo.InvariantCulture;
                TextWriter o = context.Out;
                o.WriteLine($"system           {spec.Name} ({spec.DeviceCount} devices, {spec.Granularity.ToString().ToLowerInvariant()}){(faultList.Count > 0 ? $", {faultList.Count} fault(s)" : "")}");
                o.WriteLine($"flows            {list.Count.ToString("N0", c)}");
                o.WriteLine($"simulated time   {(result.TotalSeconds * 1e6).ToString("N3", c)} us");
                o.WriteLine($"host time        {result.HostTime.TotalSeconds.ToString("N3", c)} s ({result.Epochs} rate allocations)");
                if (topCount > 0 && busiest.Count > 0)
                {
                    o.WriteLine();
                    o.WriteLine($"busiest link directions (of {busiest.Count} used):");
                    foreach (LinkUsage l in busiest.Take(topCount))
                    {
                        o.WriteLine($"  {l.From,-22} -> {l.To,-22} {(l.Bytes / 1e6).ToString("N3", c),14} MB  busy {(l.BusySeconds * 1e6).ToString("N3", c),12} us");
                    }
                }
            }

            return CmxApp.ExitOk;
        });
        return command;
    }

    private static IReadOnlyList<Flow> Pattern(string name, int devices, double bytes)
    {
        if (!(double.IsFinite(bytes) && bytes >= 0))
        {
            throw new CliUsageException($"--bytes must be finite and >= 0, was {bytes.ToString(CultureInfo.InvariantCulture)}.");
        }

        string kind = name.Trim().ToLowerInvariant();
        if (!TrafficPatterns.Names.Contains(kind))
        {
            throw new CliUsageException($"--pattern must be {string.Join(" or ", TrafficPatterns.Names.Select(n => $"'{n}'"))}, was '{name}'.");
        }

        double flows = kind == "all-to-all" ? (double)devices * (devices - 1) : devices;
        if (flows > int.MaxValue)
        {
            throw new CliUsageException($"--pattern {name} on {devices:N0} devices gives {flows:N0} flows; at most {int.MaxValue:N0} can be simulated.");
        }

        MemoryBudget.Ensure(flows * BytesPerSimulatedFlow, $"--pattern {name} on {devices:N0} devices ({flows:N0} flows)");
        return TrafficPatterns.Create(kind, devices, bytes);
    }

    /// <summary>
    /// Memory one flow takes from generation to the result, bytes: the flow, its route's link shares in the engine
    /// and its row of the result. An estimate on the high side, for <see cref="MemoryBudget"/>.
    /// </summary>
    internal const double BytesPerSimulatedFlow = 1024;

    internal static Fault ParseFault(string text)
    {
        try
        {
            return Fault.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new CliUsageException($"--fault: {ex.Message}");
        }
    }
}
