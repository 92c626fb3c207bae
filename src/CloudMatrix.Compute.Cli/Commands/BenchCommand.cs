using System.CommandLine;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Kernels.Gemm;
using System.Text.Json;
using CloudMatrix.Compute.Kernels.Peak;
using CloudMatrix.Compute.Memory;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary>
/// <c>cmx bench</c>: microbenchmarks of the per-device kernels on seeded random data, each checked against an FP64
/// reference (<see cref="GemmBenchmark"/>). <c>cmx bench gemm --m M --n N --k K [--backend NAME] [--threads T] [--trans-a] [--trans-b] [--bf16-output] [--repeat R] [--seed S]</c>;
/// <c>cmx bench peak [--threads T] [--accumulators A] [--memory-mib S]</c> measures the limits GEMM is reported against.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext context)
    {
        var bench = new Command("bench", "Microbenchmarks of the per-device kernels (host time), checked against an FP64 reference.");
        bench.Subcommands.Add(CreateGemm(context));
        bench.Subcommands.Add(CreatePeak(context));
        return bench;
    }

    private static Command CreateGemm(CliContext context)
    {
        var m = new Option<int>("--m") { Description = "Rows of op(A) and C.", Required = true };
        var n = new Option<int>("--n") { Description = "Columns of op(B) and C.", Required = true };
        var k = new Option<int>("--k") { Description = "Columns of op(A), rows of op(B).", Required = true };
        var threads = new Option<int>("--threads") { Description = "Host threads (default: every core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var transA = new Option<bool>("--trans-a") { Description = "Store A transposed (K x M)." };
        var transB = new Option<bool>("--trans-b") { Description = "Store B transposed (N x K)." };
        var bf16Output = new Option<bool>("--bf16-output") { Description = "Store C as bfloat16 (one round to nearest even per element) instead of FP32." };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs after one warm-up run (default 5).", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random operands (default 1).", DefaultValueFactory = _ => 1 };
        var backend = new Option<string>("--backend")
        {
            Description = $"Compute backend: {string.Join(", ", BackendRegistry.Names)} (default cpu-simd). " +
                "ilgpu-cpu is a GPU emulator, orders of magnitude slower than cpu-simd: keep shapes small. A named GPU backend that is absent is an error.",
            DefaultValueFactory = _ => "cpu-simd",
        };
        var command = new Command("gemm", "Time C = A·B (BF16 in, FP32 accumulate and out) on seeded random data; print GFLOP/s and the error against FP64.")
        {
            m, n, k, backend, threads, transA, transB, bf16Output, repeat, seed,
        };
        command.SetAction(parse =>
        {
            var request = new GemmBenchmarkRequest(
                Positive(parse.GetValue(m), "--m"), Positive(parse.GetValue(n), "--n"), Positive(parse.GetValue(k), "--k"),
                InRange(parse.GetValue(threads), "--threads", MaxThreads),
                parse.GetValue(transA) ? GemmTranspose.Transpose : GemmTranspose.None,
                parse.GetValue(transB) ? GemmTranspose.Transpose : GemmTranspose.None,
                InRange(parse.GetValue(repeat), "--repeat", MaxRepeat), parse.GetValue(seed),
                BackendRegistry.Normalize(parse.GetValue(backend) ?? "cpu-simd"), parse.GetValue(bf16Output));
            GuardSize(request);
            TextWriter human = context.Human(parse.GetValue(CliContext.JsonOption));
            GemmBenchmarkResult result = GemmBenchmark.Run(request, human);
            var (peakName, peak) = request.Backend == "cpu-simd" ? MeasurePeak(request.Threads, human) : (null, null);
            double? fraction = peak is double p ? result.Gflops / p : null;
            if (parse.GetValue(CliContext.JsonOption))
            {
                var node = JsonSerializer.SerializeToNode(result, CliContext.JsonOptions)!.AsObject();
                node["peak_instruction"] = peakName;
                node["peak_gflops"] = peak;
                node["peak_fraction"] = fraction;
                context.WriteJson(node);
            }
            else
            {
                context.Out.WriteLine(
                    $"gemm {result.M} x {result.N} x {result.K} ({(result.TransA ? "A^T" : "A")}·{(result.TransB ? "B^T" : "B")}{(result.OutputType == "bf16" ? ", C bf16" : "")}) on {result.Backend} " +
                    $"({result.Device}), {(result.Threads > 0 ? $"{result.Threads} threads, " : "")}kernel {result.Kernel}");
                context.Out.WriteLine(
                    $"  {result.Gflops:F1} GFLOP/s (median of {result.Repeat}: {result.Seconds * 1e3:F3} ms; best {result.BestSeconds * 1e3:F3} ms)");
                if (fraction is double f)
                {
                    context.Out.WriteLine($"  {f:P1} of the {peakName} peak measured in this process ({peak:F1} GFLOP/s on {request.Threads} threads)");
                }

                context.Out.WriteLine(
                    $"  max relative error {result.MaxRelError:E2} over {result.CheckedElements} elements " +
                    $"(bound {result.ErrorBound:E2}): {(result.Passed ? "ok" : "FAILED")}");
            }

            return result.Passed ? CmxApp.ExitOk : CmxApp.ExitFailure;
        });
        return command;
    }

    private static Command CreatePeak(CliContext context)
    {
        var threads = new Option<int>("--threads") { Description = "Threads of the all-threads figures (default: every core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var accumulators = new Option<int>("--accumulators")
        {
            Description = $"Independent accumulator chains per thread, 1 to 30 (default {HostPeak.DefaultAccumulators}).",
            DefaultValueFactory = _ => HostPeak.DefaultAccumulators,
        };
        var memory = new Option<int>("--memory-mib") { Description = "Size of each streamed buffer in MiB (default 512; take several times the L3).", DefaultValueFactory = _ => 512 };
        var command = new Command("peak", "Measure the host's limits in process: vdpbf16ps and FP32 FMA zmm throughput (1 thread and all threads) and memory bandwidth.")
        {
            threads, accumulators, memory,
        };
        command.SetAction(parse =>
        {
            int chains = InRange(parse.GetValue(accumulators), "--accumulators", 30);
            int mib = InRange(parse.GetValue(memory), "--memory-mib", MaxMemoryMiB);
            // Two buffers of that size: the source and the copy's destination.
            MemoryBudget.Ensure(2.0 * mib * (1 << 20), $"bench peak --memory-mib {mib}");
            PeakBenchResult result = PeakBench.Run(
                InRange(parse.GetValue(threads), "--threads", MaxThreads), chains, mib, context.Human(parse.GetValue(CliContext.JsonOption)));
            if (parse.GetValue(CliContext.JsonOption))
            {
                context.WriteJson(result);
            }
            else
            {
                PeakBench.Print(result, context.Out);
            }

            return CmxApp.ExitOk;
        });
        return command;
    }

    /// <summary>The peak the host GEMM is held to: <c>vdpbf16ps</c> where the host has it, else FP32 FMA, on as many threads.</summary>
    private static (string? Name, double? Gflops) MeasurePeak(int threads, TextWriter progress)
    {
        foreach (PeakInstruction instruction in (ReadOnlySpan<PeakInstruction>)[PeakInstruction.BFloat16DotZmm, PeakInstruction.Fp32FmaZmm])
        {
            if (HostPeak.IsSupported(instruction))
            {
                progress.WriteLine($"peak of {PeakBench.Describe(instruction)} on {threads} threads");
                return (PeakBench.Describe(instruction), HostPeak.MeasureGflops(instruction, threads, trialSeconds: 0.03, trials: 3));
            }
        }

        return (null, null);
    }

    /// <summary>The GEMM kernel's own limit on host threads.</summary>
    internal const int MaxThreads = 4096;

    /// <summary>Timed runs at most: each keeps one time, and a run of this many small products ends in seconds.</summary>
    internal const int MaxRepeat = 100_000;

    /// <summary>Largest streamed buffer of <c>bench peak</c>, in MiB (two are allocated).</summary>
    internal const int MaxMemoryMiB = 1 << 16;

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new CliUsageException($"{option} is {value}; it must be at least 1.");

    private static int InRange(int value, string option, int max) =>
        value >= 1 && value <= max ? value : throw new CliUsageException($"{option} is {value}; it must be in 1..{max}.");

    /// <summary>
    /// Refuses operands that cannot be one array (exit 2, naming the options) or that exceed the memory budget (exit 1,
    /// with the need and the budget), before anything is allocated.
    /// </summary>
    internal static void GuardSize(GemmBenchmarkRequest r)
    {
        foreach (var (name, rows, rowOption, cols, colOption) in new[]
        {
            ("A", r.M, "--m", r.K, "--k"), ("B", r.K, "--k", r.N, "--n"), ("C", r.M, "--m", r.N, "--n"),
        })
        {
            long elements = (long)rows * cols;
            if (elements > Array.MaxLength)
            {
                throw new CliUsageException(
                    $"{rowOption} {rows} x {colOption} {cols} gives {name} {elements:N0} elements; at most {Array.MaxLength:N0} fit in one array.");
            }
        }

        // BF16 A and B, FP32 C; a device backend holds a second copy of each.
        double bytes = (2.0 * r.M * r.K) + (2.0 * r.K * r.N) + (4.0 * r.M * r.N);
        double copies = r.Backend == "cpu-simd" ? 1 : 2;
        MemoryBudget.Ensure(bytes * copies, $"bench gemm --m {r.M} --n {r.N} --k {r.K}");
    }
}
