using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Topology;
using ScottPlot;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary>
/// <c>cmx collective</c>: an nccl-tests-style sweep of one collective on a modelled system. Sizes are each rank's
/// buffer in bytes as nccl-tests counts them; timing only unless <c>--execute</c>, which also runs real data and
/// counts wrong elements.
/// </summary>
internal static class CollectiveCommand
{
    private static readonly Dictionary<string, CollectiveOperation> Operations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["allreduce"] = CollectiveOperation.AllReduce,
        ["reducescatter"] = CollectiveOperation.ReduceScatter,
        ["allgather"] = CollectiveOperation.AllGather,
        ["broadcast"] = CollectiveOperation.Broadcast,
        ["reduce"] = CollectiveOperation.Reduce,
        ["alltoall"] = CollectiveOperation.AllToAll,
    };

    public static Command Create(CliContext context)
    {
        var op = new Option<string>("--op") { Description = "allreduce, reducescatter, allgather, broadcast, reduce or alltoall.", Required = true };
        var system = new Option<string>("--system") { Description = $"The modelled system: {string.Join(", ", Systems.Names)}.", DefaultValueFactory = _ => "cloudmatrix384" };
        var ranks = new Option<int?>("--ranks") { Description = "Group = the system's first N devices (default: all)." };
        var algo = new Option<string>("--algo")
        {
            Description = "auto, all, or a comma-separated list of: ring, bidirectional_ring, halving_doubling, direct, one_shot, double_binary_tree, hierarchical, pairwise.",
            DefaultValueFactory = _ => "auto",
        };
        var minBytes = new Option<string>("--min-bytes") { Description = "Smallest per-rank buffer, bytes; K, M, G suffixes are binary (8, 1K, 64M; default 8).", DefaultValueFactory = _ => "8" };
        var maxBytes = new Option<string>("--max-bytes") { Description = "Largest per-rank buffer, bytes; K, M, G suffixes are binary (default 8G).", DefaultValueFactory = _ => "8G" };
        var step = new Option<double>("--step-factor") { Description = "Multiply the size by this between rows (default 2).", DefaultValueFactory = _ => 2 };
        var dtype = new Option<string>("--dtype") { Description = "bf16 or fp32 (default bf16).", DefaultValueFactory = _ => "bf16" };
        var execute = new Option<bool>("--execute") { Description = "Also run real data through the algorithm and count wrong elements." };
        var plot = new Option<string?>("--plot") { Description = "Write busbw against size (log axis) per algorithm to this PNG file." };

        var command = new Command("collective", "nccl-tests-style sweep of a collective on a modelled system: simulated time, algbw, busbw, wrong elements.");
        foreach (Option o in new Option[] { op, system, ranks, algo, minBytes, maxBytes, step, dtype, execute, plot })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse =>
        {
            bool json = parse.GetValue(CliContext.JsonOption);
            var settings = new Settings(
                ParseOperation(parse.GetValue(op)!),
                Systems.ByName(parse.GetValue(system)!),
                parse.GetValue(ranks),
                parse.GetValue(algo)!,
                ParseBytes("--min-bytes", parse.GetValue(minBytes)!),
                ParseBytes("--max-bytes", parse.GetValue(maxBytes)!),
                parse.GetValue(step),
                ParseType(parse.GetValue(dtype)!),
                parse.GetValue(execute),
                parse.GetValue(plot));
            return Run(context, settings, json);
        });
        return command;
    }

    private sealed record Settings(CollectiveOperation Operation, SystemSpec System, int? Ranks, string Algorithms, long MinBytes, long MaxBytes,
        double StepFactor, CollectiveDataType Type, bool Execute, string? PlotPath);

    /// <summary>One table row; JSON fields are these names in snake_case.</summary>
    internal sealed record Row(double Bytes, long Count, string Type, string Algo, double TimeUs, double AlgbwGbps, double BusbwGbps, long? Wrong, string Reason);

    private static CollectiveOperation ParseOperation(string value) =>
        Operations.TryGetValue(value.Trim(), out var operation)
            ? operation
            : throw new CliUsageException($"--op '{value}' is not an operation; valid: {string.Join(", ", Operations.Keys)}.");

    private static CollectiveDataType ParseType(string value) => value.Trim().ToLowerInvariant() switch
    {
        "bf16" or "bfloat16" => CollectiveDataType.Bf16,
        "fp32" or "float" or "float32" => CollectiveDataType.Fp32,
        _ => throw new CliUsageException($"--dtype '{value}' is not a type; valid: bf16, fp32."),
    };

    /// <summary>
    /// A byte count as nccl-tests writes it: a whole number with an optional binary suffix K (2^10), M (2^20) or
    /// G (2^30), any case, optionally followed by B or iB ("8", "1K", "64M", "8G", "64MiB", "512b").
    /// </summary>
    /// <exception cref="CliUsageException">Not of that form, or above <see cref="long.MaxValue"/> bytes.</exception>
    internal static long ParseBytes(string option, string value)
    {
        string text = value.Trim();
        string v = text.ToUpperInvariant();
        if (v.EndsWith("IB", StringComparison.Ordinal) && v.Length > 2 && v[^3] is 'K' or 'M' or 'G') v = v[..^2];
        else if (v.EndsWith('B')) v = v[..^1];
        int shift = v.Length > 0 ? v[^1] switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 } : 0;
        if (shift > 0) v = v[..^1];
        if (v.Length == 0 || v.Length > 19 || !v.All(char.IsAsciiDigit) || !long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out long number)
            || number > long.MaxValue >> shift)
        {
            throw new CliUsageException(
                $"{option} '{value}' is not a size; valid: a whole number of bytes with an optional binary suffix K (1024), M (2^20) or G (2^30), any case, optionally ending in B or iB, e.g. 8, 1K, 64M, 8G.");
        }

        return number << shift;
    }

    internal static IReadOnlyList<CollectiveAlgorithm> ParseAlgorithms(string value, CollectiveOperation operation)
    {
        string v = value.Trim().ToLowerInvariant();
        if (v == "auto") return [CollectiveAlgorithm.Auto];
        var supported = Collectives.Collectives.SupportedAlgorithms(operation);
        if (v == "all") return supported;
        var list = new List<CollectiveAlgorithm>();
        foreach (string part in v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            CollectiveAlgorithm? match = Enum.GetValues<CollectiveAlgorithm>()
                .Where(a => Collectives.Collectives.Name(a) == part || a.ToString().Equals(part, StringComparison.OrdinalIgnoreCase))
                .Select(a => (CollectiveAlgorithm?)a).FirstOrDefault();
            if (match is null || (match != CollectiveAlgorithm.Auto && !supported.Contains(match.Value)))
            {
                throw new CliUsageException(
                    $"--algo '{part}' is not an algorithm of {operation}; valid: auto, all, {string.Join(", ", supported.Select(Collectives.Collectives.Name))}.");
            }

            list.Add(match.Value);
        }

        return list.Count > 0 ? list : throw new CliUsageException("--algo is empty; give auto, all or algorithm names.");
    }

    internal static List<long> Sizes(long min, long max, double factor)
    {
        if (min < 1) throw new CliUsageException($"--min-bytes {min} must be >= 1.");
        if (max < min) throw new CliUsageException($"--max-bytes {max} must be >= --min-bytes {min}.");
        if (max > 1L << 40) throw new CliUsageException($"--max-bytes {max} is above the 1 TiB limit.");
        if (!(factor > 1) && max > min) throw new CliUsageException($"--step-factor {factor} must be > 1 when --max-bytes > --min-bytes.");
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
        int deviceCount = s.System.DeviceCount;
        int n = s.Ranks ?? deviceCount;
        if (n < 1 || n > deviceCount)
        {
            throw new CliUsageException($"--ranks {n} is out of range; {s.System.Name} has devices 1..{deviceCount}.");
        }

        var algorithms = ParseAlgorithms(s.Algorithms, s.Operation);
        var sizes = Sizes(s.MinBytes, s.MaxBytes, s.StepFactor);
        int element = s.Type == CollectiveDataType.Bf16 ? 2 : 4;
        var options = new CollectiveOptions { Group = [.. Enumerable.Range(0, n)] };
        if (s.Execute) CheckMemory(s, n, element, sizes[^1]);

        TextWriter human = context.Human(json);
        string typeName = s.Type == CollectiveDataType.Bf16 ? "bf16" : "fp32";
        human.WriteLine($"# cmx collective: {s.Operation} on {s.System.Name}, {n} ranks, {typeName}, {(s.Execute ? "real data" : "timing only")}; times are simulated");
        human.WriteLine($"# {"size(B)",14} {"count",12} {"type",5} {"algorithm",20} {"time(us)",12} {"algbw(GB/s)",12} {"busbw(GB/s)",12} {"#wrong",7}");
        var rows = new List<Row>();
        var host = Stopwatch.StartNew();
        foreach (long bytes in sizes)
        {
            long elements = bytes / element;
            // nccl-tests convention: all-gather's size is the gathered buffer, so each rank contributes size/n.
            long perRank = s.Operation == CollectiveOperation.AllGather ? elements / n : elements;
            foreach (CollectiveAlgorithm algorithm in algorithms)
            {
                Row row = s.Execute
                    ? ExecuteRow(s, options, n, (int)perRank, algorithm, typeName)
                    : TimeRow(s, options, perRank, algorithm, typeName);
                rows.Add(row);
                human.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {row.Bytes,14:F0} {row.Count,12} {row.Type,5} {row.Algo,20} {row.TimeUs,12:F2} {row.AlgbwGbps,12:F2} {row.BusbwGbps,12:F2} {(row.Wrong is long w ? w.ToString(CultureInfo.InvariantCulture) : "N/A"),7}"));
            }
        }

        human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {rows.Count} rows in {host.Elapsed.TotalSeconds:F2} s of host time"));
        if (algorithms.Count == 1 && algorithms[0] == CollectiveAlgorithm.Auto && rows.Count > 0)
        {
            human.WriteLine($"# auto at the largest size: {rows[^1].Reason}");
        }

        if (s.PlotPath is not null)
        {
            WritePlot(s.PlotPath, rows, $"{s.Operation} on {s.System.Name}, {n} ranks, {typeName}");
            human.WriteLine($"# plot written to {s.PlotPath}");
        }

        if (json)
        {
            context.WriteJson(new { Operation = s.Operation, System = s.System.Name, Ranks = n, Dtype = typeName, Execute = s.Execute, Rows = rows });
        }

        long totalWrong = rows.Sum(r => r.Wrong ?? 0);
        return totalWrong == 0 ? CmxApp.ExitOk : CmxApp.ExitFailure;
    }

    private static Row TimeRow(Settings s, CollectiveOptions options, long perRank, CollectiveAlgorithm algorithm, string typeName)
    {
        CollectiveTiming t = Collectives.Collectives.Estimate(s.System, s.Operation, perRank, s.Type, algorithm, options);
        return ToRow(t, typeName, null);
    }

    private static Row ToRow(CollectiveTiming t, string typeName, long? wrong) =>
        new(t.Bytes, (long)(t.Bytes / (typeName == "bf16" ? 2 : 4)), typeName, Collectives.Collectives.Name(t.Algorithm),
            t.SimulatedSeconds * 1e6, t.AlgorithmBandwidthGBps, t.BusBandwidthGBps, wrong, t.Reason);

    private static Row ExecuteRow(Settings s, CollectiveOptions options, int n, int perRank, CollectiveAlgorithm algorithm, string typeName)
    {
        var random = new Random(perRank ^ n);
        var inputs = new float[n][];
        for (int r = 0; r < n; r++)
        {
            inputs[r] = new float[perRank];
            for (int i = 0; i < perRank; i++) inputs[r][i] = (float)((random.NextDouble() * 2) - 1);
        }

        int root = 0;
        float[][] outputs;
        CollectiveTiming timing;
        double factor;
        if (s.Type == CollectiveDataType.Bf16)
        {
            BFloat16[][] b = [.. inputs.Select(x => x.Select(v => (BFloat16)v).ToArray())];
            inputs = [.. b.Select(x => x.Select(v => (float)v).ToArray())];
            var result = Collectives.Collectives.Run(s.System, s.Operation, b, algorithm, options);
            outputs = [.. result.Outputs.Select(x => x.Select(v => (float)v).ToArray())];
            timing = result.Timing;
            factor = CollectiveVerification.BoundFactor(n, wireBf16: true, outputBf16: true);
        }
        else
        {
            var result = Collectives.Collectives.Run(s.System, s.Operation, inputs, algorithm, options);
            outputs = [.. result.Outputs];
            timing = result.Timing;
            factor = CollectiveVerification.BoundFactor(n, wireBf16: false, outputBf16: false);
        }

        return ToRow(timing, typeName, CollectiveVerification.CountWrong(s.Operation, root, inputs, outputs, factor));
    }

    private static void CheckMemory(Settings s, int n, int element, long maxBytes)
    {
        // Inputs, outputs, the FP32 working copies and the reference: about 6 FP32-sized copies of every rank's buffer.
        double need = 6.0 * n * (maxBytes / element) * 4;
        double budget = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.5;
        if (need > budget || maxBytes / element > int.MaxValue / 2)
        {
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture,
                $"--execute at --max-bytes {maxBytes} on {n} ranks needs about {need / (1 << 30):F1} GiB of host memory; the budget is {budget / (1 << 30):F1} GiB (half the memory available). Lower --max-bytes or --ranks, or drop --execute to time only."));
        }

        _ = s;
    }

    private static void WritePlot(string path, List<Row> rows, string title)
    {
        var plot = new Plot();
        foreach (var group in rows.Where(r => r.Bytes > 0).GroupBy(r => r.Algo))
        {
            double[] xs = [.. group.Select(r => Math.Log10(r.Bytes))];
            double[] ys = [.. group.Select(r => r.BusbwGbps)];
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = group.Key;
        }

        plot.Title(title);
        plot.XLabel("bytes per rank (log scale)");
        plot.YLabel("busbw (GB/s)");
        // Ticks at powers of two (the sizes nccl-tests sweeps), at most about a dozen of them.
        double lo = Math.Floor(Math.Log2(Math.Max(1, rows.Where(r => r.Bytes > 0).Select(r => r.Bytes).DefaultIfEmpty(1).Min())));
        double hi = Math.Ceiling(Math.Log2(Math.Max(2, rows.Select(r => r.Bytes).DefaultIfEmpty(2).Max())));
        int stride = Math.Max(1, (int)Math.Ceiling((hi - lo) / 12));
        var positions = new List<double>();
        var labels = new List<string>();
        for (double e = lo; e <= hi; e += stride)
        {
            positions.Add(e * Math.Log10(2));
            labels.Add(FormatBytes(Math.Pow(2, e)));
        }

        plot.Axes.Bottom.SetTicks([.. positions], [.. labels]);
        plot.ShowLegend();
        plot.SavePng(path, 1000, 600);
    }

    private static string FormatBytes(double b) => b switch
    {
        >= 1L << 40 => string.Create(CultureInfo.InvariantCulture, $"{b / (1L << 40):G3} TiB"),
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{b / (1 << 30):G3} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{b / (1 << 20):G3} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{b / (1 << 10):G3} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{b:G3} B"),
    };
}
