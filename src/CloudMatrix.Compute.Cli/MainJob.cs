using System.CommandLine;
using System.Globalization;
using CloudMatrix.Compute.Cli.Commands;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli;

/// <summary>
/// <c>cmx</c> with no verb: the main job. An 8192³ BF16 product on CloudMatrix384 (or the system given), sharded by
/// the planner's best strategy (<c>auto</c>) or the one named, run on real data on the default backend and
/// spot-checked against FP64, timed on the modelled system; the same product planned on GB200 NVL72 side by side, and
/// the top of the ranking. A thin caller of <c>Planner.Rank</c>, <c>MatMul.Plan</c> and <c>MatMulPlan.Execute</c>.
/// </summary>
internal static class MainJob
{
    // Cost per product: the system's price amortised straight-line over this many years, plus energy at this price.
    // Both are assumptions stated in the output, not sourced figures; pass your own through the API.
    private const double AmortisationYears = 4;
    private const double UsdPerKwh = 0.10;

    private static readonly Option<int?> SizeOption = new("--size") { Description = "M = N = K of the product (default 8192); do not combine with --m/--n/--k." };
    private static readonly Option<int?> MOption = new("--m") { Description = "Rows of A and C (default 8192)." };
    private static readonly Option<int?> NOption = new("--n") { Description = "Columns of B and C (default 8192)." };
    private static readonly Option<int?> KOption = new("--k") { Description = "The contracting dimension (default 8192)." };
    private static readonly Option<string?> SystemOption = new("--system") { Description = $"Preset: {string.Join(", ", Systems.Names)} (default cloudmatrix384)." };
    private static readonly Option<string?> TopologyOption = new("--topology") { Description = "A topology file (cmx-topology JSON) instead of a preset." };
    private static readonly Option<string?> CompareOption = new("--compare") { Description = "Preset to plan the same product on, side by side (default gb200-nvl72; 'none' to skip)." };
    private static readonly Option<string> StrategyOption = new("--strategy") { Description = "auto (the planner's best) or a strategy name.", DefaultValueFactory = _ => "auto" };
    private static readonly Option<string?> MeshOption = new("--mesh") { Description = "Mesh for a named strategy, e.g. dp=48,tp=8 (default: the planner's best mesh for it)." };
    private static readonly Option<string> BackendOption = new("--backend") { Description = "Backend of the real run: auto, cpu-simd, ilgpu-cpu, cuda, opencl.", DefaultValueFactory = _ => "auto" };
    private static readonly Option<bool> EstimateOption = new("--estimate") { Description = "Timing only: plan and simulate, compute nothing." };
    private static readonly Option<string?> TraceOption = new("--trace") { Description = "Write the simulated timeline as a Chrome/Perfetto trace to this file." };
    private static readonly Option<string?> PlotOption = new("--plot") { Description = "Write the simulated step as an SVG picture to this file (.svg)." };

    /// <summary>Adds the main job's options to the root command and makes it the root's action.</summary>
    public static void Attach(RootCommand root, CliContext context)
    {
        foreach (Option o in new Option[] { SizeOption, MOption, NOption, KOption, SystemOption, TopologyOption, CompareOption, StrategyOption, MeshOption, BackendOption, EstimateOption, TraceOption, PlotOption })
        {
            root.Options.Add(o);
        }

        root.SetAction(parse => Run(context, parse));
    }

    private static int Run(CliContext context, ParseResult parse)
    {
        bool json = parse.GetValue(CliContext.JsonOption);
        int? size = parse.GetValue(SizeOption);
        int? m = parse.GetValue(MOption), n = parse.GetValue(NOption), k = parse.GetValue(KOption);
        if (size is not null && (m is not null || n is not null || k is not null))
        {
            throw new CliUsageException("--size sets M = N = K; give either --size or --m/--n/--k, not both.");
        }

        int mm = size ?? m ?? 8192, nn = size ?? n ?? 8192, kk = size ?? k ?? 8192;
        foreach (var (name, value) in new[] { (size is null ? "--m" : "--size", mm), (size is null ? "--n" : "--size", nn), (size is null ? "--k" : "--size", kk) })
        {
            if (value < 1) throw new CliUsageException($"{name} is {value}; it must be at least 1.");
        }

        if (parse.GetValue(EstimateOption) && parse.GetValue(BackendOption) is { } be && !string.Equals(be, "auto", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliUsageException($"--estimate computes nothing, so --backend {be} would be ignored; drop one of them.");
        }

        SystemSpec system = InfoCommand.ResolveSystem(parse.GetValue(SystemOption), parse.GetValue(TopologyOption), DeviceGranularity.Npu);
        string strategyName = parse.GetValue(StrategyOption) ?? "auto";
        string? meshText = parse.GetValue(MeshOption);
        bool estimate = parse.GetValue(EstimateOption);
        string backend = parse.GetValue(BackendOption) ?? "auto";
        var request = new MatmulCommand.MatmulRequest(system, mm, nn, kk, meshText, null, null, null, null,
            Uneven: true, Reduce: "auto", Backend: backend, Estimate: estimate, SpotCheck: (double)mm * nn * kk <= (1L << 31) ? 0 : 32, Trace: parse.GetValue(TraceOption)) { Plot = parse.GetValue(PlotOption) };
        Commands.MatmulCommand.CheckOutputs(request);
        if (meshText is not null && string.Equals(strategyName, "auto", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliUsageException("--mesh needs a named --strategy (auto picks its own mesh).");
        }

        // A named strategy is checked before the ranking, which takes seconds on the default shape.
        if (!string.Equals(strategyName, "auto", StringComparison.OrdinalIgnoreCase) &&
            PlanCommand.ParseStrategies(strategyName, "--strategy", autoIsValid: true)!.Count != 1)
        {
            throw new CliUsageException($"--strategy is '{strategyName}'; give one strategy (auto, {string.Join(", ", Strategy.All.Select(x => x.Name))}), not a list.");
        }

        TextWriter human = context.Human(json);
        human.WriteLine($"CloudMatrix.Compute main job: C = A·B, BF16, {mm} x {nn} x {kk} on {system.Name} ({system.DeviceCount} devices)");

        // 1. The ranking (the planner times every feasible candidate).
        human.WriteLine("  planning: every strategy x mesh x reduction algorithm ...");
        PlanRanking ranking;
        using (LiveStatus.Start(context, json, $"planning on {system.Name}"))
        {
            ranking = PlanCommand.Rank(system, mm, nn, kk, 0, uneven: true);
        }

        human.WriteLine($"  ranked {ranking.Candidates.Count} candidates ({ranking.Refused.Count} refused) in {ranking.HostSeconds:F2} s of host time");

        // 2. The plan to run: the best, the best of a named strategy, or a named strategy on a given mesh.
        MatMulPlan plan;
        if (meshText is not null)
        {
            if (string.Equals(strategyName, "auto", StringComparison.OrdinalIgnoreCase)) throw new CliUsageException("--mesh needs a named --strategy (auto picks its own mesh).");
            plan = MatmulPlanning.Plan(request with { Strategy = strategyName });
        }
        else if (string.Equals(strategyName, "auto", StringComparison.OrdinalIgnoreCase))
        {
            string shape = size is null ? $"--m {mm} --n {nn} --k {kk}" : $"--size {mm}";
            plan = ranking.Candidates.Count > 0 ? ranking.Best.Plan : throw new CliUsageException($"{shape}: {CliMessages.Clean(ranking.Why)}");
        }
        else
        {
            Strategy s = PlanCommand.ParseStrategies(strategyName, "--strategy", autoIsValid: true)![0];
            PlanCandidate? best = ranking.Candidates.FirstOrDefault(c => c.Strategy == s.Name);
            if (best is null)
            {
                // Not among the ranked: refused on every mesh, or pruned because another strategy is faster. Rank it alone.
                PlanRanking own = PlanCommand.Rank(system, mm, nn, kk, 0, uneven: true, [s]);
                best = own.Candidates.Count > 0
                    ? own.Best
                    : throw new CliUsageException($"--strategy {s.Name} has no feasible mesh for {mm} x {nn} x {kk} on {system.Name}: {CliMessages.Clean(own.Why)}");
            }

            plan = best.Plan;
        }

        human.WriteLine($"  running {plan.Strategy.Name} on {plan.Mesh}: {plan.Steps.Count} steps; A {plan.A}, B {plan.B}, C {plan.C}");
        RunReport report = MatmulCommand.RunPlan(context, plan, request, human, json);

        // 3. The same product on another system, planned the same way.
        string compare = parse.GetValue(CompareOption) ?? "gb200-nvl72";
        var rows = new List<SystemRow> { Row(system, report) };
        if (!string.Equals(compare, "none", StringComparison.OrdinalIgnoreCase))
        {
            SystemSpec other = InfoCommand.ResolveSystem(compare, null, DeviceGranularity.Npu);
            PlanRanking otherRanking;
            using (LiveStatus.Start(context, json, $"planning on {other.Name}"))
            {
                otherRanking = PlanCommand.Rank(other, mm, nn, kk, 0, uneven: true);
            }

            if (otherRanking.Candidates.Count > 0) rows.Add(Row(other, otherRanking.Best.Estimate));
        }

        PrintComparison(human, rows);
        human.WriteLine();
        human.WriteLine($"Top of the ranking on {system.Name}:");
        PlanCommand.Print(human, ranking, 5);
        if (json)
        {
            context.WriteJson(new
            {
                Run = MatmulCommand.Json(report),
                Systems = rows,
                Ranking = ranking.Candidates.Take(10).Select(PlanCommand.Row),
                RankingHostSeconds = ranking.HostSeconds,
                Assumptions = new { AmortisationYears, UsdPerKwh },
            });
        }

        return report.Numerics is { Verified: false } ? CmxApp.ExitFailure : CmxApp.ExitOk;
    }

    /// <summary>One system's figures for the product.</summary>
    internal sealed record SystemRow(string System, string Strategy, string Mesh, double SimulatedSeconds, double Pflops, double PeakFraction, double EnergyJoules, double CostUsd);

    private static SystemRow Row(SystemSpec system, RunReport r)
    {
        double capexPerSecond = system.CostUsd / (AmortisationYears * 365.25 * 86400);
        double cost = (capexPerSecond * r.SimulatedSeconds) + (r.EnergyJoules / 3.6e6 * UsdPerKwh);
        return new SystemRow(system.Name, r.Strategy, r.Mesh, r.SimulatedSeconds, r.Pflops, r.PeakFraction, r.EnergyJoules, cost);
    }

    private static void PrintComparison(TextWriter w, IReadOnlyList<SystemRow> rows)
    {
        var c = CultureInfo.InvariantCulture;
        w.WriteLine();
        w.WriteLine("Systems side by side (simulated; each with its planner's best):");
        w.WriteLine(string.Format(c, "  {0,-16} {1,-18} {2,-20} {3,12} {4,10} {5,8} {6,12} {7,14}", "system", "strategy", "mesh", "time us", "PFLOP/s", "of peak", "energy J", "cost per 1e6"));
        foreach (SystemRow r in rows)
        {
            w.WriteLine(string.Format(c, "  {0,-16} {1,-18} {2,-20} {3,12:F1} {4,10:F1} {5,8:P1} {6,12:F2} {7,14:F2}", r.System, r.Strategy, r.Mesh, r.SimulatedSeconds * 1e6, r.Pflops, r.PeakFraction, r.EnergyJoules, r.CostUsd * 1e6));
        }

        w.WriteLine($"  cost: the system's price over {AmortisationYears} years plus energy at ${UsdPerKwh}/kWh (assumptions, not sourced), in USD per million products");
    }
}
