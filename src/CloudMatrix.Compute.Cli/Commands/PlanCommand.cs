using System.CommandLine;
using System.Globalization;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Topology;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary><c>cmx plan</c>: rank every feasible strategy x mesh x reduction algorithm of a product by its estimate.</summary>
internal static class PlanCommand
{
    public static Command Create(CliContext context)
    {
        var system = new Option<string?>("--system") { Description = $"Preset name: {string.Join(", ", Systems.Names)} (default cloudmatrix384)." };
        var topology = new Option<string?>("--topology") { Description = "A topology file (cmx-topology JSON) instead of a preset." };
        var m = new Option<int>("--m") { Description = "Rows of A and C.", DefaultValueFactory = _ => 8192 };
        var n = new Option<int>("--n") { Description = "Columns of B and C.", DefaultValueFactory = _ => 8192 };
        var k = new Option<int>("--k") { Description = "The contracting dimension.", DefaultValueFactory = _ => 8192 };
        var devices = new Option<int>("--devices") { Description = "Use only the first N devices (default: all)." };
        var top = new Option<int>("--top") { Description = "Rows of the ranking to print (default 10).", DefaultValueFactory = _ => 10 };
        var strategies = new Option<string?>("--strategies") { Description = "Comma-separated strategies to rank (default: all)." };
        var even = new Option<bool>("--even") { Description = "Refuse shapes that do not divide instead of ranking uneven (torch.chunk) shards." };
        var command = new Command("plan", "Rank every feasible strategy x mesh factorisation x reduction algorithm of a BF16 product by its simulated time.")
        {
            system, topology, m, n, k, devices, top, even, strategies,
        };
        command.SetAction(parse =>
        {
            SystemSpec sys = InfoCommand.ResolveSystem(parse.GetValue(system), parse.GetValue(topology), DeviceGranularity.Npu);
            if (InfoCommand.Given(parse, devices) && parse.GetValue(devices) == 0)
            {
                // 0 is how the planner spells "all"; written out it would silently mean all devices.
                throw new CliUsageException($"--devices is 0; {sys.Name} has {sys.DeviceCount} devices (give 1..{sys.DeviceCount}, or leave it out for all).");
            }

            return Run(context, sys, parse.GetValue(m), parse.GetValue(n), parse.GetValue(k), parse.GetValue(devices), parse.GetValue(top), !parse.GetValue(even),
                ParseStrategies(parse.GetValue(strategies)), parse.GetValue(CliContext.JsonOption));
        });
        return command;
    }

    /// <summary>
    /// The strategies named in <paramref name="text"/> (comma-separated), for the option written as
    /// <paramref name="option"/>; <c>auto</c> and <c>specs</c> name no strategy the planner can rank, so they are refused.
    /// </summary>
    internal static IReadOnlyList<Strategy>? ParseStrategies(string? text, string option = "--strategies", bool autoIsValid = false)
    {
        if (text is null) return null;
        string valid = (autoIsValid ? "auto, " : "") + string.Join(", ", Strategy.All.Select(s => s.Name));
        Strategy[] parsed;
        try
        {
            parsed = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Strategy.Parse).ToArray();
        }
        catch (ArgumentException)
        {
            string bad = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .First(name => !Strategy.All.Concat([Strategy.FromSpecs, Strategy.Auto]).Any(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)));
            throw new CliUsageException($"{option}: unknown strategy '{bad}'; valid: {valid}.");
        }

        if (parsed.FirstOrDefault(s => s == Strategy.Auto || s == Strategy.FromSpecs) is { } notRanked)
        {
            throw new CliUsageException($"{option}: '{notRanked.Name}' is not a strategy the planner ranks; valid: {valid}.");
        }

        return parsed.Length > 0
            ? parsed
            : throw new CliUsageException($"{option} is '{text}', which names no strategy; give one or more of {string.Join(", ", Strategy.All.Select(s => s.Name))}, comma-separated, or leave it out for all.");
    }

    internal static PlanRanking Rank(SystemSpec system, int m, int n, int k, int devices, bool uneven, IReadOnlyList<Strategy>? strategies = null)
    {
        foreach (var (name, value) in new[] { ("--m", m), ("--n", n), ("--k", k) })
        {
            if (value < 1) throw new CliUsageException($"{name} is {value}; it must be at least 1.");
        }

        if (devices < 0 || devices > system.DeviceCount)
        {
            throw new CliUsageException($"--devices is {devices}; {system.Name} has {system.DeviceCount} devices (give 1..{system.DeviceCount}, or leave it out for all).");
        }

        return Planner.Rank(system, m, n, k, new PlannerOptions { Devices = devices, Uneven = uneven, Strategies = strategies });
    }

    private static int Run(CliContext context, SystemSpec system, int m, int n, int k, int devices, int top, bool uneven, IReadOnlyList<Strategy>? strategies, bool json)
    {
        if (top < 1) throw new CliUsageException($"--top is {top}; give at least 1.");
        PlanRanking ranking;
        using (LiveStatus.Start(context, json, $"planning {m} x {n} x {k} on {system.Name}"))
        {
            ranking = Rank(system, m, n, k, devices, uneven, strategies);
        }

        TextWriter human = context.Human(json);
        if (ranking.Candidates.Count == 0)
        {
            context.Error.WriteLine($"cmx: {CliMessages.Clean(ranking.Why)}");
            return CmxApp.ExitFailure;
        }

        Print(human, ranking, top);
        if (json)
        {
            context.WriteJson(new
            {
                ranking.System,
                ranking.M,
                ranking.N,
                ranking.K,
                Best = Row(ranking.Best),
                Why = ranking.Why,
                Candidates = ranking.Candidates.Select(Row),
                Refused = ranking.Refused,
                Pruned = ranking.Pruned,
                HostSeconds = ranking.HostSeconds,
            });
        }

        return CmxApp.ExitOk;
    }

    internal static void Print(TextWriter w, PlanRanking ranking, int top)
    {
        var c = CultureInfo.InvariantCulture;
        w.WriteLine($"{ranking.Candidates.Count} feasible candidates for {ranking.M} x {ranking.N} x {ranking.K} on {ranking.System} ({ranking.Refused.Count} refused, {ranking.Pruned.Count} pruned by their lower bound), ranked in {ranking.HostSeconds:F2} s of host time");
        w.WriteLine(string.Format(c, "{0,4} {1,-18} {2,-22} {3,-8} {4,12} {5,12} {6,12} {7,12} {8,12} {9,12}", "#", "strategy", "mesh", "reduce", "sim us", "compute us", "comm us", "exposed us", "mem/device", "sent/device"));
        foreach (var (cand, i) in ranking.Candidates.Take(top).Select((x, i) => (x, i)))
        {
            RunReport e = cand.Estimate;
            w.WriteLine(string.Format(c, "{0,4} {1,-18} {2,-22} {3,-8} {4,12:F1} {5,12:F1} {6,12:F1} {7,12:F1} {8,12} {9,12}", i + 1, cand.Strategy, cand.Mesh,
                cand.ReduceAlgorithm == Collectives.CollectiveAlgorithm.Auto ? "-" : cand.ReduceAlgorithm.ToString().ToLowerInvariant(),
                e.SimulatedSeconds * 1e6, e.ComputeSeconds * 1e6, e.CommSeconds * 1e6, e.ExposedCommSeconds * 1e6,
                ByteSize.Format(e.MemoryPerDeviceBytes), ByteSize.Format(e.BytesPerDevice)));
        }

        w.WriteLine($"best: {ranking.Best.Strategy} on {ranking.Best.Mesh}: {ranking.Why}");
    }

    internal static object Row(PlanCandidate c) => new
    {
        c.Strategy,
        c.Mesh,
        ReduceAlgorithm = c.ReduceAlgorithm.ToString().ToLowerInvariant(),
        ASpec = c.Estimate.ASpec,
        BSpec = c.Estimate.BSpec,
        CSpec = c.Estimate.CSpec,
        c.Estimate.SimulatedSeconds,
        c.Estimate.ComputeSeconds,
        CommSeconds = c.Estimate.CommSeconds,
        ExposedCommSeconds = c.Estimate.ExposedCommSeconds,
        c.Estimate.Pflops,
        MemoryPerDeviceBytes = c.Estimate.MemoryPerDeviceBytes,
        c.Estimate.BytesPerDevice,
        c.Estimate.PaddingWasteFlops,
    };
}
