using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Memory;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary>
/// <c>cmx collective</c>: an nccl-tests-style sweep of one collective on a modelled system. Sizes are each rank's
/// buffer in bytes as nccl-tests counts them; timing only unless <c>--execute</c>, which also runs real data and
/// counts wrong elements.
/// </summary>
internal static class CollectiveCommand
{
    public static Command Create(CliContext context)
    {
        var op = new Option<string>("--op") { Description = $"The operation: {string.Join(", ", Collectives.Collective.OperationNames)} (sendrecv: a group of exactly two, the first sends to the second).", Required = true };
        var system = new Option<string?>("--system") { Description = $"Preset name: {string.Join(", ", Systems.Names)}; cloudmatrix384 when neither --system nor --topology is given." };
        var topology = new Option<string?>("--topology") { Description = "A topology file (cmx-topology JSON) instead of a preset." };
        var supernodes = InfoCommand.SupernodesOption();
        var ranks = new Option<int?>("--ranks") { Description = "Group = the system's first N devices; all of them when not given (2 for sendrecv)." };
        var mesh = new Option<string?>("--mesh") { Description = "A device mesh over the system's devices, e.g. dp=48,tp=8 (row-major, last axis fastest); with --group AXIS." };
        var group = new Option<string?>("--group")
        {
            Description = "The group: mesh axes of --mesh (e.g. tp, or dp,tp), timing the group of mesh position 0 (the groups are congruent), " +
                "or device indices and ranges of the system (e.g. 0-7 or 0,8,16,24).",
        };
        var root = new Option<int?>("--root") { Description = "Device index of the root of broadcast and reduce; a member of the group; the group's first device when not given." };
        var algo = new Option<string>("--algo")
        {
            Description = "auto, all, or a comma-separated list of: ring, bidirectional_ring, halving_doubling, direct, one_shot, double_binary_tree, hierarchical, pairwise.",
            DefaultValueFactory = _ => "auto",
        };
        var minBytes = new Option<string>("--min-bytes") { Description = "Smallest size S in bytes (nccl-tests' -b); K, M, G suffixes are binary (8, 1K, 64M).", DefaultValueFactory = _ => "8" };
        var maxBytes = new Option<string>("--max-bytes") { Description = "Largest size S in bytes (nccl-tests' -e); K, M, G suffixes are binary.", DefaultValueFactory = _ => "8G" };
        var step = new Option<double>("--step-factor") { Description = "Multiply the size by this between rows (nccl-tests' -f).", DefaultValueFactory = _ => 2 };
        var dtype = new Option<string>("--dtype") { Description = "Element type as nccl-tests' -d names it: bfloat16 (or bf16), float (or fp32).", DefaultValueFactory = _ => "bfloat16" };
        var execute = new Option<bool>("--execute") { Description = "Also run real data through the algorithm, out of place and in place, and count wrong elements." };
        var plot = new Option<string?>("--plot") { Description = "Write an SVG file: busbw and time (log-log) against size, one series per algorithm." };
        var granularity = new Option<string>("--granularity") { Description = "Ranks are 'npu' (chips) or 'die' (each die of a chip is a rank; presets only).", DefaultValueFactory = _ => "npu" };
        var faults = new Option<string[]>("--fault")
        {
            Description = "Time with something down or degraded, as cmx simulate takes it: link:ID, transceiver:ID, switch:ID or plane:K, with @F to keep a fraction F of its bandwidth (e.g. plane:3@0.5). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };

        var command = new Command("collective", "nccl-tests-style sweep of a collective on a modelled system: nccl-tests' columns (size, count, type, redop, root, then time, algbw, busbw and #wrong out of place and in place) with simulated times.");
        foreach (Option o in new Option[] { op, system, topology, supernodes, granularity, ranks, mesh, group, root, algo, minBytes, maxBytes, step, dtype, execute, plot, faults })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse =>
        {
            bool json = parse.GetValue(CliContext.JsonOption);
            CollectiveOperation operation = ParseOperation(parse.GetValue(op)!);
            InfoCommand.RefuseGranularityWithFile(parse, granularity, parse.GetValue(topology));
            SystemSpec sys = InfoCommand.ResolveSystem(parse.GetValue(system), parse.GetValue(topology),
                InfoCommand.ParseGranularity(parse.GetValue(granularity)), parse.GetValue(supernodes));
            IReadOnlyList<Fault> faultList = ParseFaults(sys, parse.GetValue(faults) ?? []);
            var (devices, groupText) = ResolveGroup(sys, operation, parse.GetValue(ranks), parse.GetValue(mesh), parse.GetValue(group));
            var settings = new Settings(
                operation,
                sys,
                devices,
                groupText,
                parse.GetValue(root),
                parse.GetValue(algo)!,
                ParseBytes("--min-bytes", parse.GetValue(minBytes)!),
                ParseBytes("--max-bytes", parse.GetValue(maxBytes)!),
                parse.GetValue(step),
                ParseType(parse.GetValue(dtype)!),
                parse.GetValue(execute),
                parse.GetValue(plot),
                faultList);
            return Run(context, settings, json);
        });
        return command;
    }

    private sealed record Settings(CollectiveOperation Operation, SystemSpec System, int[] Group, string GroupText, int? Root, string Algorithms, long MinBytes, long MaxBytes,
        double StepFactor, CollectiveDataType Type, bool Execute, string? PlotPath, IReadOnlyList<Fault> Faults);

    /// <summary>
    /// Each <c>--fault</c> text as a fault, checked against <paramref name="system"/>: a malformed text, or one that
    /// names no link, switch or plane of the system, is a usage error quoting it.
    /// </summary>
    internal static IReadOnlyList<Fault> ParseFaults(SystemSpec system, IReadOnlyList<string> texts)
    {
        var faults = new List<Fault>(texts.Count);
        foreach (string text in texts)
        {
            Fault fault = SimulateCommand.ParseFault(text);
            try
            {
                _ = new NetworkSimulator(system, [fault]);
            }
            catch (ArgumentException ex)
            {
                string reason = ex.Message.Replace("faults[0]: ", "", StringComparison.Ordinal);
                int param = reason.IndexOf(" (Parameter", StringComparison.Ordinal);
                throw new CliUsageException($"--fault '{text}': {(param >= 0 ? reason[..param] : reason)} (system {system.Name})");
            }

            faults.Add(fault);
        }

        return faults;
    }

    /// <summary>
    /// One table row in nccl-tests' layout; JSON fields are these names in snake_case. <c>Bytes</c> is nccl-tests'
    /// size S and <c>Count</c> its count column (elements per rank: for reduce-scatter each rank's output, for
    /// all-gather each rank's input, for all-to-all what each rank sends to each peer). <c>Algo</c> is the algorithm
    /// that ran, <c>Series</c> the one asked for (<c>auto</c> picks per size). The model's time does not depend on
    /// where the output goes, so out-of-place and in-place times are equal unless <c>--execute</c> ran both; an
    /// unchecked #wrong is null (N/A in the table).
    /// </summary>
    internal sealed record Row(string Series, double Bytes, long Count, string Type, string Redop, int Root, string Algo,
        double TimeUs, double AlgbwGbps, double BusbwGbps, long? Wrong,
        double InPlaceTimeUs, double InPlaceAlgbwGbps, double InPlaceBusbwGbps, long? InPlaceWrong, string Reason);

    /// <summary>nccl-tests' closing average for one series: busbw averaged over every out-of-place and in-place row.</summary>
    internal sealed record Average(string Series, double AvgBusbwGbps);

    /// <summary>The name of <paramref name="operation"/> on the command line, in the table header and in JSON.</summary>
    internal static string OperationName(CollectiveOperation operation) => Collectives.Collective.OperationName(operation);

    private static CollectiveOperation ParseOperation(string value) =>
        Collectives.Collective.TryParseOperation(value, out var operation)
            ? operation
            : throw new CliUsageException($"--op '{value}' is not an operation; valid: {string.Join(", ", Collectives.Collective.OperationNames)}.");

    /// <summary>
    /// The group's device indices and how to describe it, from at most one of <c>--ranks</c> and <c>--group</c>
    /// (<c>--group</c> naming mesh axes needs <c>--mesh</c>; <c>--mesh</c> needs <c>--group</c>).
    /// </summary>
    internal static (int[] Devices, string Text) ResolveGroup(SystemSpec system, CollectiveOperation operation, int? ranks, string? meshText, string? groupText)
    {
        int deviceCount = system.DeviceCount;
        if (ranks is not null && groupText is not null)
        {
            throw new CliUsageException($"Give --ranks or --group, not both (--ranks {ranks}, --group '{groupText}').");
        }

        if (meshText is not null && groupText is null)
        {
            throw new CliUsageException($"--mesh '{meshText}' needs --group naming one or more of its axes, e.g. --group {meshText.Split('=')[0].Trim()}.");
        }

        if (groupText is null)
        {
            int n = ranks ?? (operation == CollectiveOperation.SendReceive ? 2 : deviceCount);
            if (n < 1 || n > deviceCount)
            {
                throw new CliUsageException($"--ranks {n} is out of range; {system.Name} has devices 1..{deviceCount}.");
            }

            return ([.. Enumerable.Range(0, n)], n == deviceCount ? $"all {n} devices" : $"devices 0-{n - 1}");
        }

        string g = groupText.Trim();
        if (g.Length > 0 && g.All(c => char.IsAsciiDigit(c) || c is ',' or '-' or ' '))
        {
            if (meshText is not null)
            {
                throw new CliUsageException($"--group '{groupText}' lists devices; --mesh '{meshText}' applies only when --group names mesh axes.");
            }

            var devices = new List<int>();
            foreach (string part in g.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string[] ends = part.Split('-', StringSplitOptions.TrimEntries);
                if (ends.Length > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                {
                    throw new CliUsageException($"--group '{groupText}': '{part}' is not a device index or a range such as 0-7.");
                }

                int first = int.Parse(ends[0], CultureInfo.InvariantCulture), last = int.Parse(ends[^1], CultureInfo.InvariantCulture);
                if (last < first || last >= deviceCount)
                {
                    throw new CliUsageException($"--group '{groupText}': '{part}' is not within {system.Name}'s devices 0..{deviceCount - 1}.");
                }

                for (int d = first; d <= last; d++) devices.Add(d);
            }

            if (devices.Count == 0 || devices.Distinct().Count() != devices.Count)
            {
                throw new CliUsageException($"--group '{groupText}' must list at least one device, each once.");
            }

            return ([.. devices], $"devices {g}");
        }

        if (meshText is null)
        {
            throw new CliUsageException($"--group '{groupText}' names mesh axes; give the mesh with --mesh, e.g. --mesh dp={deviceCount / 8},tp=8 --group tp.");
        }

        DeviceMesh mesh;
        try
        {
            mesh = DeviceMesh.Parse(system, meshText);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new CliUsageException($"--mesh '{meshText}': {ex.Message}");
        }

        string[] axes = g.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (string axis in axes)
        {
            if (!mesh.HasAxis(axis))
            {
                throw new CliUsageException($"--group '{groupText}': '{axis}' is not an axis of --mesh '{meshText}' (axes: {string.Join(", ", mesh.AxisNames)}).");
            }
        }

        IReadOnlyList<int[]> groups = mesh.Groups(axes);
        int[] members = [.. groups[0].Select(p => mesh.Devices[p])];
        return (members, $"mesh {mesh.ToSpecString()} axis {string.Join(",", axes)}: group 1 of {groups.Count} (the {members.Length} devices of mesh position 0's group; the groups are congruent, timed alone)");
    }

    private static CollectiveDataType ParseType(string value) => value.Trim().ToLowerInvariant() switch
    {
        "bfloat16" or "bf16" => CollectiveDataType.Bf16,
        "float" or "fp32" or "float32" => CollectiveDataType.Fp32,
        _ => throw new CliUsageException($"--dtype '{value}' is not a type; valid: bfloat16 (or bf16), float (or fp32)."),
    };

    /// <summary>nccl-tests' name of the element type, as its <c>-d</c> option and type column spell it.</summary>
    internal static string TypeName(CollectiveDataType type) => type == CollectiveDataType.Bf16 ? "bfloat16" : "float";

    /// <summary>
    /// nccl-tests' count column for a size of <paramref name="elements"/> elements: per rank, so the size divided by
    /// the ranks for reduce-scatter (each rank's output), all-gather (each rank's input) and all-to-all (each peer's part).
    /// </summary>
    internal static long NcclCount(CollectiveOperation operation, long elements, int ranks) =>
        operation is CollectiveOperation.ReduceScatter or CollectiveOperation.AllGather or CollectiveOperation.AllToAll ? elements / ranks : elements;

    /// <summary>Each rank's input for a size of <paramref name="elements"/> elements, rounded down to whole per-rank parts as nccl-tests does.</summary>
    internal static long InputElementsPerRank(CollectiveOperation operation, long elements, int ranks) => operation switch
    {
        CollectiveOperation.AllGather => elements / ranks,
        CollectiveOperation.ReduceScatter or CollectiveOperation.AllToAll => elements / ranks * ranks,
        _ => elements,
    };
    /// <summary>
    /// A byte count as nccl-tests writes it: a whole number with an optional binary suffix K (2^10), M (2^20) or
    /// G (2^30), any case, optionally followed by B or iB ("8", "1K", "64M", "8G", "64MiB", "512b").
    /// </summary>
    /// <exception cref="CliUsageException">Not of that form, or above <see cref="long.MaxValue"/> bytes.</exception>
    internal static long ParseBytes(string option, string value) =>
        ByteSize.TryParse(value, out long bytes)
            ? bytes
            : throw new CliUsageException(
                $"{option} '{value}' is not a size; valid: a whole number of bytes with an optional binary suffix K (1024), M (2^20) or G (2^30), any case, optionally ending in B or iB, e.g. 8, 1K, 64M, 8G.");

    internal static IReadOnlyList<CollectiveAlgorithm> ParseAlgorithms(string value, CollectiveOperation operation)
    {
        string v = value.Trim().ToLowerInvariant();
        if (v == "auto") return [CollectiveAlgorithm.Auto];
        var supported = Collectives.Collective.SupportedAlgorithms(operation);
        if (v == "all") return supported;
        var list = new List<CollectiveAlgorithm>();
        foreach (string part in v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            bool known = Collectives.Collective.TryParseAlgorithm(part, out CollectiveAlgorithm match);
            if (!known || (match != CollectiveAlgorithm.Auto && !supported.Contains(match)))
            {
                throw new CliUsageException(
                    $"--algo '{part}' is not an algorithm of {OperationName(operation)}; valid: auto, all, {string.Join(", ", supported.Select(Collectives.Collective.Name))}.");
            }

            list.Add(match);
        }

        return list.Count > 0 ? list : throw new CliUsageException("--algo is empty; give auto, all or algorithm names.");
    }

    /// <summary>The most sizes one sweep times (nccl-tests' default 8 B..8 GiB at factor 2 is 31).</summary>
    internal const int MaxSweepSizes = 10_000;

    internal static List<long> Sizes(long min, long max, double factor)
    {
        if (min < 1) throw new CliUsageException($"--min-bytes {min} must be >= 1.");
        if (max < min) throw new CliUsageException($"--max-bytes {max} must be >= --min-bytes {min}.");
        if (max > 1L << 40) throw new CliUsageException($"--max-bytes {max} is above the 1 TiB limit.");
        if (!(factor > 1) && max > min) throw new CliUsageException($"--step-factor {factor} must be > 1 when --max-bytes > --min-bytes.");
        if (double.IsInfinity(factor)) throw new CliUsageException("--step-factor Infinity steps past every size; give a finite factor > 1.");
        double steps = max > min ? Math.Log((double)max / min) / Math.Log(factor) : 0;
        if (steps > MaxSweepSizes)
        {
            double least = Math.Pow((double)max / min, 1.0 / MaxSweepSizes);
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture,
                $"--step-factor {factor:R} gives about {steps:G3} sizes from --min-bytes {min} to --max-bytes {max}; at most {MaxSweepSizes} are swept: use a factor of at least {least:G6}."));
        }

        var sizes = new List<long>();
        for (double s = min; s <= max * (1 + 1e-12); s *= factor)
        {
            long b = (long)Math.Round(s);
            if (sizes.Count == 0 || b != sizes[^1]) sizes.Add(b);
            if (factor <= 1) break;
        }

        return sizes;
    }

    private static int Run(CliContext context, Settings s, bool json)
    {
        int n = s.Group.Length;
        if (s.Operation == CollectiveOperation.SendReceive && n != 2)
        {
            throw new CliUsageException($"--op sendrecv needs a group of exactly two devices (source, destination); the group has {n} ({s.GroupText}).");
        }

        if (s.Root is int given && s.Operation is not (CollectiveOperation.Broadcast or CollectiveOperation.Reduce))
        {
            // Only broadcast and reduce have a root; anywhere else it would be ignored.
            throw new CliUsageException($"--root {given} applies to --op broadcast and reduce; {Collectives.Collective.OperationName(s.Operation)} has no root. Drop --root.");
        }

        if (s.Root is int r && Array.IndexOf(s.Group, r) < 0)
        {
            throw new CliUsageException($"--root {r} is not in the group ({s.GroupText}); the root must be a group member.");
        }

        var algorithms = ParseAlgorithms(s.Algorithms, s.Operation);
        var sizes = Sizes(s.MinBytes, s.MaxBytes, s.StepFactor);
        int element = Collectives.Collective.ElementBytes(s.Type);
        if (s.PlotPath is not null && !s.PlotPath.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliUsageException($"--plot '{s.PlotPath}' must name an .svg file: cmx draws its plots as SVG (any browser shows them).");
        }

        if (s.Execute) CheckMemory(n, element, sizes[^1]);


        TextWriter human = context.Human(json);
        using var progress = TerminalProgress.For(context, json);
        string what = $"{OperationName(s.Operation)}, {n} ranks, {TypeName(s.Type)}";
        human.WriteLine($"# cmx collective: {what}, {(s.Execute ? "real data" : "timing only")}; times are simulated on {s.System.Name}, not measured");
        human.WriteLine($"# group: {s.GroupText}");
        if (s.Faults.Count > 0)
        {
            human.WriteLine($"# faults: {string.Join(", ", s.Faults.Select(FaultText))}");
        }

        human.WriteLine($"# nBytes from {s.MinBytes} to {s.MaxBytes}, step factor {s.StepFactor.ToString(CultureInfo.InvariantCulture)}");
        var rows = new List<Row>();
        var averages = new List<Average>();
        var host = Stopwatch.StartNew();
        int done = 0;
        foreach (CollectiveAlgorithm algorithm in algorithms)
        {
            string series = algorithm == CollectiveAlgorithm.Auto ? "auto" : Collectives.Collective.Name(algorithm);
            human.WriteLine("#");
            human.WriteLine($"# algorithm: {series}");
            WriteColumnHeader(human);
            var block = new List<Row>();
            foreach (long bytes in sizes)
            {
                progress.Report($"cmx collective: {series} at {ByteSize.FormatBinary(bytes)} ({++done}/{sizes.Count * algorithms.Count})");
                Row row = MeasureRow(s, n, series, bytes / element, algorithm);
                block.Add(row);
                progress.Clear();
                human.WriteLine(FormatRow(row));
            }

            progress.Clear();
            var average = new Average(series, block.Count == 0 ? 0 : block.Average(r => (r.BusbwGbps + r.InPlaceBusbwGbps) / 2));
            if (s.Execute)
            {
                long wrong = block.Sum(r => (r.Wrong ?? 0) + (r.InPlaceWrong ?? 0));
                human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# Out of bounds values : {wrong} {(wrong == 0 ? "OK" : "FAILED")}"));
            }

            human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# Avg bus bandwidth    : {average.AvgBusbwGbps:G6} "));
            rows.AddRange(block);
            averages.Add(average);
        }

        human.WriteLine("#");
        human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {rows.Count} rows in {host.Elapsed.TotalSeconds:F2} s of host time"));
        if (algorithms.Count == 1 && algorithms[0] == CollectiveAlgorithm.Auto && rows.Count > 0)
        {
            human.WriteLine($"# auto at the largest size: {rows[^1].Reason}");
        }

        if (s.PlotPath is not null)
        {
            WritePlot(s.PlotPath, rows, what, s.System.Name);
            human.WriteLine($"# plot written to {s.PlotPath}");
        }

        if (json)
        {
            context.WriteJson(new
            {
                Operation = OperationName(s.Operation), System = s.System.Name, Granularity = s.System.Granularity.ToString().ToLowerInvariant(),
                Faults = s.Faults.Select(f => new { f.Kind, f.Target, f.BandwidthFactor }), Ranks = n, Group = s.Group, Root = s.Group[RootPosition(s)], Dtype = TypeName(s.Type), Execute = s.Execute,
                Rows = rows, Averages = averages,
            });
        }

        long totalWrong = rows.Sum(r => (r.Wrong ?? 0) + (r.InPlaceWrong ?? 0));
        return totalWrong == 0 ? CmxApp.ExitOk : CmxApp.ExitFailure;
    }

    // A fault as --fault writes it.
    private static string FaultText(Fault f) =>
        string.Create(CultureInfo.InvariantCulture, $"{f.Kind.ToString().ToLowerInvariant()}:{f.Target}{(f.BandwidthFactor > 0 ? $"@{f.BandwidthFactor:R}" : "")}");

    // The three header lines of nccl-tests' table, plus our trailing algorithm column.
    private static void WriteColumnHeader(TextWriter w)
    {
        // Data lines put the out-of-place columns at 49..79 and the in-place ones at 81..111: centre the group names.
        w.WriteLine($"#{new string(' ', 57)}out-of-place{new string(' ', 24)}in-place");
        w.WriteLine($"# {"size",10} {"count",12} {"type",9} {"redop",6} {"root",5} {"time",8} {"algbw",7} {"busbw",7} {"#wrong",6} {"time",8} {"algbw",7} {"busbw",7} {"#wrong",6}  algo");
        w.WriteLine($"# {"(B)",10} {"(elements)",12} {"",9} {"",6} {"",5} {"(us)",8} {"(GB/s)",7} {"(GB/s)",7} {"",6} {"(us)",8} {"(GB/s)",7} {"(GB/s)",7} {"",6}");
    }

    /// <summary>One data line: nccl-tests' thirteen columns, then the algorithm that ran.</summary>
    internal static string FormatRow(Row r) => string.Create(CultureInfo.InvariantCulture,
        $"  {r.Bytes,10:F0} {r.Count,12} {r.Type,9} {r.Redop,6} {r.Root,5} {Time(r.TimeUs),8} {r.AlgbwGbps,7:F2} {r.BusbwGbps,7:F2} {Wrong(r.Wrong),6} {Time(r.InPlaceTimeUs),8} {r.InPlaceAlgbwGbps,7:F2} {r.InPlaceBusbwGbps,7:F2} {Wrong(r.InPlaceWrong),6}  {r.Algo}");

    // nccl-tests' precision: fewer decimals as the time grows, so the column keeps its width.
    private static string Time(double us) => us.ToString(us >= 10000 ? "F0" : us >= 100 ? "F1" : "F2", CultureInfo.InvariantCulture);

    private static string Wrong(long? wrong) => wrong is long w ? w.ToString(CultureInfo.InvariantCulture) : "N/A";

    private static Row MeasureRow(Settings s, int n, string series, long elements, CollectiveAlgorithm algorithm)
    {
        var options = new CollectiveOptions { Group = s.Group, Root = s.Root, Faults = s.Faults };
        long perRank = InputElementsPerRank(s.Operation, elements, n);
        long count = NcclCount(s.Operation, elements, n);
        if (!s.Execute)
        {
            CollectiveTiming t = Collectives.Collective.Estimate(s.System, s.Operation, perRank, s.Type, algorithm, options);
            return ToRow(s, series, count, t, null, t, null);
        }

        float[][] inputs = RandomInputs(s.Type, n, (int)perRank);
        var (outOfPlace, wrong) = ExecuteOnce(s, options, inputs, algorithm, inPlace: false);
        if (s.Operation is CollectiveOperation.ReduceScatter or CollectiveOperation.AllGather)
        {
            // The library runs these out of place only (their output length differs from the input's): same time, unchecked.
            return ToRow(s, series, count, outOfPlace, wrong, outOfPlace, null);
        }

        var (inPlace, inPlaceWrong) = ExecuteOnce(s, options, inputs, algorithm, inPlace: true);
        return ToRow(s, series, count, outOfPlace, wrong, inPlace, inPlaceWrong);
    }

    private static Row ToRow(Settings s, string series, long count, CollectiveTiming outOfPlace, long? wrong, CollectiveTiming inPlace, long? inPlaceWrong) =>
        new(series, outOfPlace.Bytes, count, TypeName(s.Type), Collectives.Collective.IsReducing(s.Operation) ? "sum" : "none",
            s.Operation is CollectiveOperation.Broadcast or CollectiveOperation.Reduce ? s.Group[RootPosition(s)] : -1, Collectives.Collective.Name(outOfPlace.Algorithm),
            outOfPlace.SimulatedSeconds * 1e6, outOfPlace.AlgorithmBandwidthGBps, outOfPlace.BusBandwidthGBps, wrong,
            inPlace.SimulatedSeconds * 1e6, inPlace.AlgorithmBandwidthGBps, inPlace.BusBandwidthGBps, inPlaceWrong, outOfPlace.Reason);

    // Seeded inputs uniform on [-1, 1], rounded to the element type; the same for a given size and group size.
    private static float[][] RandomInputs(CollectiveDataType type, int n, int perRank) =>
        CollectiveVerification.RandomInputs(type, n, perRank, ((ulong)(uint)perRank << 20) ^ ((ulong)(uint)n << 10));

    // The root's position in the group (0 when no --root).
    private static int RootPosition(Settings s) => s.Root is int r ? Array.IndexOf(s.Group, r) : 0;

    private static (CollectiveTiming Timing, long Wrong) ExecuteOnce(Settings s, CollectiveOptions options, float[][] inputs, CollectiveAlgorithm algorithm, bool inPlace) =>
        CollectiveVerification.RunChecked(s.System, s.Operation, inputs, s.Type, algorithm, options with { InPlace = inPlace });

    private static void CheckMemory(int n, int element, long maxBytes)
    {
        double need = CollectiveVerification.CheckedRunHostBytes(n, maxBytes / element);
        long budget = MemoryBudget.Bytes;
        if (need > budget || maxBytes / element > int.MaxValue / 2)
        {
            // A memory refusal is a failure (exit 1, with the need and the budget), as everywhere else.
            throw new MemoryBudgetExceededException(
                $"--execute at --max-bytes {maxBytes} on {n} ranks needs about {ByteSize.Format(need)} of host memory; the budget is {ByteSize.Format(budget)} (set it with {MemoryBudget.EnvironmentVariable}). Lower --max-bytes or --ranks, or drop --execute to time only.");
        }
    }

    private static void WritePlot(string path, List<Row> rows, string what, string systemName)
    {
        var series = rows.GroupBy(r => r.Series)
            .Select(g => (g.Key == "auto" ? "auto (fastest per size)" : g.Key,
                (IReadOnlyList<Plots.CollectiveSweepPlot.Point>)[.. g.Select(r => new Plots.CollectiveSweepPlot.Point(r.Bytes, r.TimeUs, r.BusbwGbps))]))
            .ToList();
        File.WriteAllText(path, Plots.CollectiveSweepPlot.Render(what, systemName, series));
    }
}
