using System.CommandLine;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;
using CloudMatrix.Compute.Tracing;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary><c>cmx matmul</c>: plan a sharded BF16 product on a mesh, run it for real (or only time it), report both clocks.</summary>
internal static class MatmulCommand
{
    public static Command Create(CliContext context)
    {
        var system = new Option<string?>("--system") { Description = $"Preset name: {string.Join(", ", Systems.Names)} (default cloudmatrix384)." };
        var topology = new Option<string?>("--topology") { Description = "A topology file (cmx-topology JSON) instead of a preset." };
        var m = new Option<int>("--m") { Description = "Rows of A and C.", DefaultValueFactory = _ => 3072 };
        var n = new Option<int>("--n") { Description = "Columns of B and C.", DefaultValueFactory = _ => 3072 };
        var k = new Option<int>("--k") { Description = "Columns of A, rows of B (the contracting dimension).", DefaultValueFactory = _ => 3072 };
        var mesh = new Option<string?>("--mesh") { Description = "Mesh axes, e.g. dp=48,tp=8 or x=8,y=8,z=6 (default dp=<devices/8>,tp=8)." };
        var strategy = new Option<string?>("--strategy") { Description = $"One of: {string.Join(", ", Strategy.All.Select(s => s.Name))} (default row-parallel)." };
        var aSpec = new Option<string?>("--a-spec") { Description = "A's spec instead of --strategy, e.g. \"dp,tp\" (rows over dp, K over tp)." };
        var bSpec = new Option<string?>("--b-spec") { Description = "B's spec, e.g. \"tp,\" (K over tp, N replicated)." };
        var cSpec = new Option<string?>("--c-spec") { Description = "C's spec (default: C replicated over the K axes, an all-reduce), e.g. \"dp+tp,\" for a reduce-scatter." };
        var uneven = new Option<bool>("--uneven") { Description = "Allow shapes that do not divide (torch.chunk semantics; the report states the padding waste)." };
        var reduce = new Option<string>("--reduce") { Description = "Algorithm of the reductions: auto, ring, one-shot.", DefaultValueFactory = _ => "auto" };
        var backend = new Option<string>("--backend") { Description = "Backend of the real run: auto, cpu-simd, ilgpu-cpu, cuda, opencl.", DefaultValueFactory = _ => "auto" };
        var estimate = new Option<bool>("--estimate") { Description = "Timing only: plan and simulate, compute nothing (any size)." };
        var spot = new Option<int>("--spot-check") { Description = "Check this many seeded 16x16 tiles of C against FP64 instead of every element (0: all when M·N·K <= 2^31, else 32 tiles)." };
        var trace = new Option<string?>("--trace") { Description = "Write the simulated timeline as a Chrome/Perfetto trace (JSON) to this file." };
        var plot = new Option<string?>("--plot") { Description = "Write the simulated step (compute and communication lanes) as an SVG picture to this file (.svg)." };
        var budget = new Option<string?>("--memory-budget") { Description = "Memory budget of the real run (per process under mpirun), e.g. 512MB or 8GB (default: CMX_MEMORY_BUDGET, else at most 4 GiB, on the host backends; 75% of a GPU's memory)." };
        var command = new Command("matmul", "Plan a sharded BF16 matrix multiplication on a device mesh, run it on real data and time it on the modelled system.")
        {
            system, topology, m, n, k, mesh, strategy, aSpec, bSpec, cSpec, uneven, reduce, backend, estimate, spot, trace, plot, budget,
        };
        command.SetAction(parse =>
        {
            SystemSpec sys = InfoCommand.ResolveSystem(parse.GetValue(system), parse.GetValue(topology), DeviceGranularity.Npu);
            if (parse.GetValue(estimate))
            {
                // Both only steer the real run, which --estimate skips.
                if (parse.GetValue(budget) is { } b)
                {
                    throw new CliUsageException($"--estimate computes nothing, so --memory-budget {b} would be ignored; drop one of them.");
                }

                if (parse.GetValue(spot) > 0)
                {
                    throw new CliUsageException($"--estimate computes nothing, so --spot-check {parse.GetValue(spot)} would be ignored; drop one of them.");
                }
            }

            var request = new MatmulRequest(
                sys, parse.GetValue(m), parse.GetValue(n), parse.GetValue(k), parse.GetValue(mesh), parse.GetValue(strategy),
                parse.GetValue(aSpec), parse.GetValue(bSpec), parse.GetValue(cSpec), parse.GetValue(uneven), parse.GetValue(reduce) ?? "auto",
                parse.GetValue(backend) ?? "auto", parse.GetValue(estimate), parse.GetValue(spot), parse.GetValue(trace))
            {
                MemoryBudget = ParseBytes(parse.GetValue(budget)),
                Plot = parse.GetValue(plot),
            };
            return Run(context, request, parse.GetValue(CliContext.JsonOption));
        });
        return command;
    }

    internal sealed record MatmulRequest(
        SystemSpec System, int M, int N, int K, string? Mesh, string? Strategy, string? ASpec, string? BSpec, string? CSpec,
        bool Uneven, string Reduce, string Backend, bool Estimate, int SpotCheck, string? Trace)
    {
        /// <summary>Memory budget in bytes (per process under MPI); 0 for the default.</summary>
        public long MemoryBudget { get; init; }

        /// <summary>Where to write the SVG of the simulated step, or null.</summary>
        public string? Plot { get; init; }
    }

    internal static long ParseBytes(string? text)
    {
        if (text is null) return 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            // Not "the default": an empty value is a mistake (an unset shell variable, say), not a request.
            throw new CliUsageException($"--memory-budget is '{text}'; give a positive size such as 512MB, 8GB or a number of bytes, or leave it out for the default.");
        }

        string t = text.Trim().ToUpperInvariant();
        (string suffix, double scale)[] units = [("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1)];
        foreach (var (suffix, scale) in units)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal) &&
                double.TryParse(t[..^suffix.Length], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) && v > 0)
            {
                // A fraction of a byte would read as 0 (the default budget) and a size past 2^63 - 1 would saturate: refuse both.
                double whole = Math.Floor(v * scale);
                return whole >= 1 && whole < 9.2233720368547758e18
                    ? (long)whole
                    : throw new CliUsageException($"--memory-budget is '{text}'; give a size from 1 byte to {long.MaxValue} bytes, such as 512MB or 8GB.");
            }
        }

        return long.TryParse(t, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long bytes) && bytes > 0
            ? bytes
            : throw new CliUsageException($"--memory-budget is '{text}'; give a positive size such as 512MB, 8GB or a number of bytes.");
    }

    internal static int Run(CliContext context, MatmulRequest r, bool json)
    {
        TextWriter human = context.Human(json);
        foreach (var (name, value) in new[] { ("--m", r.M), ("--n", r.N), ("--k", r.K) })
        {
            if (value < 1) throw new CliUsageException($"{name} is {value}; it must be at least 1.");
        }

        CheckOutputs(r);

        if (r.SpotCheck < 0) throw new CliUsageException($"--spot-check is {r.SpotCheck}; give 0 (automatic) or a positive number of tiles.");
        if (r.Estimate && !string.Equals(r.Backend, "auto", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliUsageException($"--estimate computes nothing, so --backend {r.Backend} would be ignored; drop one of them.");
        }

        MatMulPlan plan = MatmulPlanning.Plan(r);
        if (MpiMatmul.LauncherRank() is int rank)
        {
            // Under mpirun: the real run goes across the processes; an estimate is printed once, by rank 0.
            if (!r.Estimate) return MpiMatmul.Run(context, r, json, plan);
            if (rank != 0) return CmxApp.ExitOk;
        }

        human.WriteLine($"Planned {plan.Strategy.Name} on {plan.Mesh} ({r.System.Name}): {plan.Steps.Count} steps; A {plan.A}, B {plan.B}, C {plan.C}");
        RunReport report = RunPlan(context, plan, r, human, json);
        if (json)
        {
            context.WriteJson(Json(report));
        }

        return report.Numerics is { Verified: false } ? CmxApp.ExitFailure : CmxApp.ExitOk;
    }

    /// <summary>Refuses output files that cannot be written (empty, a directory) or a plot that is not SVG, before any work.</summary>
    internal static void CheckOutputs(MatmulRequest r)
    {
        foreach (var (option, path) in new[] { ("--trace", r.Trace), ("--plot", r.Plot) })
        {
            if (path is not null && (path.Length == 0 || Directory.Exists(path)))
            {
                throw new CliUsageException($"{option} is '{path}', {(path.Length == 0 ? "an empty name" : "a directory")}; give a file to write.");
            }
        }

        if (r.Plot is not null && !r.Plot.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliUsageException($"--plot is '{r.Plot}'; the picture is SVG, so give a file name ending in .svg.");
        }
    }

    /// <summary>Executes (or estimates) a plan, prints its report and writes the trace.</summary>
    internal static RunReport RunPlan(CliContext context, MatMulPlan plan, MatmulRequest r, TextWriter human, bool json)
    {
        RunReport report;
        Execution.Timeline timeline;
        if (r.Estimate)
        {
            report = plan.Estimate();
            timeline = Execution.PlanEstimator.Estimate(plan.Plan, plan.Options.Timing);
        }
        else
        {
            using ComputeBackend be = ComputeBackend.Create(r.Backend);
            try
            {
                plan.CheckMemory(be, r.MemoryBudget);
            }
            catch (PlanMemoryException ex)
            {
                // A failure with the need and the budget (exit 1, docs/errors.md), in the command line's words.
                throw new PlanMemoryException(ex.NeedBytes, ex.BudgetBytes,
                    ex.Message.Replace("a smaller shape", "smaller --m/--n/--k", StringComparison.Ordinal).Replace("--estimate (", "--estimate or --spot-check K (", StringComparison.Ordinal));
            }

            human.WriteLine($"  backend {be.Name} ({be.DeviceName}); real run needs {ByteSize.Format(plan.HostBytes)}");
            var a = DenseTensor.Random<BFloat16>([r.M, r.K], seed: 1);
            var b = DenseTensor.Random<BFloat16>([r.K, r.N], seed: 2);
            var progress = new StepProgress(human, plan.Steps.Count);
            MatMulRun run;
            using (var live = LiveStatus.Start(context, json, "real run", plan.Steps.Count))
            {
                progress.Live = live.Live ? live : null;
                run = plan.Execute(a, b, be, new ExecuteOptions { SpotCheckTiles = r.SpotCheck, Progress = progress, MemoryBudgetBytes = r.MemoryBudget });
            }

            using MatMulRun disposeRun = run;
            progress.Done();
            report = run.Report;
            timeline = run.Timeline;
        }

        human.Write(report.ToString());
        if (r.Trace is not null)
        {
            PerfettoTrace.Save(timeline, $"{report.Strategy} on {report.Mesh}, {report.System}", r.Trace);
            human.WriteLine($"trace: {r.Trace} (open in ui.perfetto.dev)");
        }

        if (r.Plot is not null)
        {
            File.WriteAllText(r.Plot, Plots.StepPlot.Render(report));
            human.WriteLine($"plot: {r.Plot}");
        }

        return report;
    }

    internal static object Json(RunReport report) => new
    {
        report.Strategy,
        report.Mesh,
        report.System,
        report.M,
        report.N,
        report.K,
        ASpec = report.ASpec,
        BSpec = report.BSpec,
        CSpec = report.CSpec,
        report.SimulatedSeconds,
        report.ComputeSeconds,
        CommSeconds = report.CommSeconds,
        ExposedCommSeconds = report.ExposedCommSeconds,
        report.Pflops,
        report.PeakFraction,
        report.BytesPerDevice,
        BytesByTier = report.BytesByTier,
        MemoryPerDeviceBytes = report.MemoryPerDeviceBytes,
        HbmBytes = report.HbmBytes,
        report.EnergyJoules,
        report.PaddingWasteFlops,
        report.PaddingWasteBytes,
        MaxAbsError = report.Numerics?.MaxAbsError,
        MaxRelError = report.Numerics?.MaxRelError,
        MaxBf16Ulp = report.Numerics?.MaxBf16Ulp,
        CheckedElements = report.Numerics?.CheckedElements,
        report.Verified,
        HostSeconds = report.Numerics?.Host?.TotalSeconds ?? report.HostSeconds,
        HostExecuteSeconds = report.Numerics?.Host?.ExecuteSeconds,
        HostVerifySeconds = report.Numerics?.Host?.VerifySeconds,
        Backend = report.Numerics?.Host?.Backend,
        Steps = report.Steps.Select(s => new { s.Id, s.Name, s.Kind, s.StartSeconds, s.EndSeconds, s.Bytes, s.Detail }),
    };

    /// <summary>
    /// Plain progress lines of a real run (every tenth step, the distribution and the verification, with the seconds
    /// elapsed); on a terminal the live status line takes the reports instead and only the closing line is printed.
    /// </summary>
    private sealed class StepProgress(TextWriter writer, int total) : IProgress<string>
    {
        private int _done;
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

        public LiveStatus? Live { get; set; }

        public void Report(string value)
        {
            bool phase = value is ExecuteOptions.DistributePhase or ExecuteOptions.VerifyPhase;
            if (Live is not null)
            {
                if (phase) Live.Phase(value);
                else Live.Report(value);
                return;
            }

            if (phase)
            {
                writer.WriteLine($"  {value} ({_clock.Elapsed.TotalSeconds:F1} s)");
                return;
            }

            int i = Interlocked.Increment(ref _done);
            if (total >= 10 && i % (total / 10) != 0) return;
            writer.WriteLine($"  [{i}/{total}] {value} ({_clock.Elapsed.TotalSeconds:F1} s)");
        }

        public void Done() => writer.WriteLine($"  ran {total} steps in {_clock.Elapsed.TotalSeconds:F1} s of host time");
    }
}
