using System.CommandLine;
using System.Diagnostics;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Kernels.Peak;
using CloudMatrix.Compute.Memory;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary>
/// <c>cmx bench</c>: microbenchmarks of the per-device kernels on seeded random data, each checked against an FP64
/// reference. <c>cmx bench gemm --m M --n N --k K [--backend NAME] [--threads T] [--trans-a] [--trans-b] [--repeat R] [--seed S]</c>;
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
            m, n, k, backend, threads, transA, transB, repeat, seed,
        };
        command.SetAction(parse =>
        {
            var request = new GemmBenchRequest(
                Positive(parse.GetValue(m), "--m"), Positive(parse.GetValue(n), "--n"), Positive(parse.GetValue(k), "--k"),
                InRange(parse.GetValue(threads), "--threads", MaxThreads),
                parse.GetValue(transA) ? GemmTranspose.Transpose : GemmTranspose.None,
                parse.GetValue(transB) ? GemmTranspose.Transpose : GemmTranspose.None,
                InRange(parse.GetValue(repeat), "--repeat", MaxRepeat), parse.GetValue(seed),
                BackendRegistry.Normalize(parse.GetValue(backend) ?? "cpu-simd"));
            GuardSize(request);
            GemmBenchResult result = GemmBench.Run(request, context.Human(parse.GetValue(CliContext.JsonOption)));
            if (parse.GetValue(CliContext.JsonOption))
            {
                context.WriteJson(result);
            }
            else
            {
                context.Out.WriteLine(
                    $"gemm {result.M} x {result.N} x {result.K} ({(result.TransA ? "A^T" : "A")}·{(result.TransB ? "B^T" : "B")}) on {result.Backend} " +
                    $"({result.Device}), {(result.Threads > 0 ? $"{result.Threads} threads, " : "")}kernel {result.Kernel}");
                context.Out.WriteLine(
                    $"  {result.Gflops:F1} GFLOP/s (median of {result.Repeat}: {result.Seconds * 1e3:F3} ms; best {result.BestSeconds * 1e3:F3} ms)");
                if (result.PeakFraction is double fraction)
                {
                    context.Out.WriteLine(
                        $"  {fraction:P1} of the measured {result.PeakInstruction} peak ({result.PeakGflops:F1} GFLOP/s on {result.Threads} threads, same process)");
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
    internal static void GuardSize(GemmBenchRequest r)
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

/// <summary>What <c>cmx bench gemm</c> runs.</summary>
internal sealed record GemmBenchRequest(
    int M, int N, int K, int Threads, GemmTranspose TransA, GemmTranspose TransB, int Repeat, int Seed, string Backend = "cpu-simd");

/// <summary>What <c>cmx bench gemm</c> reports (JSON fields in snake_case).</summary>
/// <param name="M">Rows of op(A) and C.</param>
/// <param name="N">Columns of op(B) and C.</param>
/// <param name="K">Inner dimension.</param>
/// <param name="Threads">Host threads of the cpu-simd kernel; 0 when an ILGPU backend ran the GEMM.</param>
/// <param name="TransA">Whether A was stored transposed.</param>
/// <param name="TransB">Whether B was stored transposed.</param>
/// <param name="Kernel">The microkernel that ran.</param>
/// <param name="Seconds">Median host time of one call, in seconds.</param>
/// <param name="BestSeconds">Fastest host time of one call, in seconds.</param>
/// <param name="Gflops">2·M·N·K / <paramref name="Seconds"/> / 1e9.</param>
/// <param name="MaxRelError">Largest |C - C_ref| / Σ|a||b| over the checked elements (C_ref in FP64 on the same BF16 inputs).</param>
/// <param name="ErrorBound">The FP32 accumulation bound that error is held to: 2 (K + 4) 2^-24.</param>
/// <param name="Repeat">Timed runs.</param>
/// <param name="CheckedElements">Elements of C compared with the reference (all, or a seeded sample for large products).</param>
/// <param name="Passed">Whether the error is within the bound.</param>
/// <param name="Seed">Seed of the operands.</param>
/// <param name="Backend">The compute backend that ran it (what <c>auto</c> resolved to).</param>
/// <param name="Device">The backend's device.</param>
/// <param name="PeakInstruction">The instruction whose peak <paramref name="PeakGflops"/> is (<c>vdpbf16ps</c> where the host has it, else FP32 FMA); null off the host or where neither can be measured.</param>
/// <param name="PeakGflops">That instruction's throughput on <paramref name="Threads"/> threads, measured in this process (GFLOP/s); null with it.</param>
/// <param name="PeakFraction"><paramref name="Gflops"/> / <paramref name="PeakGflops"/>; null with it.</param>
internal sealed record GemmBenchResult(
    int M, int N, int K, int Threads, bool TransA, bool TransB, string Kernel, double Gflops, double Seconds,
    double BestSeconds, int Repeat, double MaxRelError, double ErrorBound, long CheckedElements, bool Passed, int Seed,
    string Backend, string Device, string? PeakInstruction, double? PeakGflops, double? PeakFraction);

/// <summary>The GEMM microbenchmark: data, the one timed call, and the check.</summary>
internal static class GemmBench
{
    /// <summary>Products up to this many multiply-adds are checked in full; larger ones on a sample of elements.</summary>
    private const double FullCheckMultiplyAdds = 1 << 27;

    private const int SampledElements = 4096;

    public static GemmBenchResult Run(GemmBenchRequest request, TextWriter progress)
    {
        (int m, int n, int k) = (request.M, request.N, request.K);
        int lda = request.TransA == GemmTranspose.None ? k : m;
        int ldb = request.TransB == GemmTranspose.None ? n : k;
        var random = new SplitMix64((ulong)request.Seed);
        BFloat16[] a = random.NextBFloat16((long)m * k, "A");
        BFloat16[] b = random.NextBFloat16((long)k * n, "B");
        float[] c = new float[checked(m * n)];

        // A backend named explicitly must exist (no silent fallback); "auto" says what it picked.
        using ComputeBackend backend = ComputeBackend.Create(request.Backend);
        if (backend.SelectionReason is string reason)
        {
            progress.WriteLine(reason);
        }

        bool onHost = backend.Name == "cpu-simd";
        using DeviceGemm? device = onHost ? null : new DeviceGemm(backend, request, a, lda, b, ldb);
        var options = new GemmOptions { ThreadCount = request.Threads };
        void Multiply()
        {
            if (device is null)
            {
                BFloat16Gemm.Multiply(request.TransA, request.TransB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n, options);
            }
            else
            {
                device.Run();
            }
        }

        progress.WriteLine($"gemm {m} x {n} x {k} on {backend.Name}: warm-up");
        Multiply();
        var times = new double[request.Repeat];
        for (int r = 0; r < request.Repeat; r++)
        {
            long start = Stopwatch.GetTimestamp();
            Multiply();
            times[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        device?.Result(c);
        Array.Sort(times);
        double median = times[times.Length / 2];
        (double maxRel, long checkedCount) = Check(request, a, lda, b, ldb, c);
        double bound = 2.0 * (k + 4) * Math.Pow(2, -24);
        double gflops = 2.0 * m * n * k / median / 1e9;
        (string? peakName, double? peak) = onHost ? MeasurePeak(request.Threads, progress) : (null, null);
        return new GemmBenchResult(m, n, k, onHost ? request.Threads : 0, request.TransA == GemmTranspose.Transpose,
            request.TransB == GemmTranspose.Transpose, backend.GemmKernelName, gflops, median,
            times[0], request.Repeat, maxRel, bound, checkedCount, maxRel <= bound, request.Seed, backend.Name, backend.DeviceName,
            peakName, peak, peak is double p ? gflops / p : null);
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

    /// <summary>
    /// The GEMM on a device backend: operands uploaded once (copies are not timed), each timed run is one GEMM plus
    /// the wait for it to finish.
    /// </summary>
    private sealed class DeviceGemm : IDisposable
    {
        private readonly ComputeBackend _backend;
        private readonly GemmBenchRequest _request;
        private readonly DeviceBuffer<BFloat16> _a;
        private readonly DeviceBuffer<BFloat16> _b;
        private readonly DeviceBuffer<float> _c;
        private readonly int _lda;
        private readonly int _ldb;

        public DeviceGemm(ComputeBackend backend, GemmBenchRequest request, BFloat16[] a, int lda, BFloat16[] b, int ldb)
        {
            (_backend, _request, _lda, _ldb) = (backend, request, lda, ldb);
            _a = backend.Allocate<BFloat16>(a.Length);
            _b = backend.Allocate<BFloat16>(b.Length);
            _c = backend.Allocate<float>(checked(request.M * request.N));
            _a.CopyFrom(a);
            _b.CopyFrom(b);
        }

        public void Run()
        {
            _backend.Gemm(_request.TransA, _request.TransB, _request.M, _request.N, _request.K, 1f, _a, _lda, _b, _ldb, 0f, _c, _request.N);
            _backend.Synchronize();
        }

        public void Result(float[] c) => _c.CopyTo(c);

        public void Dispose()
        {
            _a.Dispose();
            _b.Dispose();
            _c.Dispose();
        }
    }

    private static (double MaxRel, long Checked) Check(GemmBenchRequest request, BFloat16[] a, int lda, BFloat16[] b, int ldb, float[] c)
    {
        (int m, int n, int k) = (request.M, request.N, request.K);
        bool full = (double)m * n * k <= FullCheckMultiplyAdds;
        long count = full ? (long)m * n : Math.Min(SampledElements, (long)m * n);
        var pick = new SplitMix64((ulong)request.Seed ^ 0x5EEDu);
        double maxRel = 0;
        for (long e = 0; e < count; e++)
        {
            int i = full ? (int)(e / n) : (int)(pick.Next() % (ulong)m);
            int j = full ? (int)(e % n) : (int)(pick.Next() % (ulong)n);
            double sum = 0, magnitude = 0;
            for (int p = 0; p < k; p++)
            {
                double x = request.TransA == GemmTranspose.None ? a[((long)i * lda) + p] : a[((long)p * lda) + i];
                double y = request.TransB == GemmTranspose.None ? b[((long)p * ldb) + j] : b[((long)j * ldb) + p];
                sum += x * y;
                magnitude += Math.Abs(x * y);
            }

            double rel = Math.Abs(c[((long)i * n) + j] - sum) / Math.Max(magnitude, double.Epsilon);
            maxRel = double.IsNaN(rel) ? double.PositiveInfinity : Math.Max(maxRel, rel);
        }

        return (maxRel, count);
    }
}

/// <summary>A small seeded generator (SplitMix64) so the benchmark's operands are the same on every run and host.</summary>
internal sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15ul;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ul;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBul;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform values in [-1, 1), rounded to bfloat16.</summary>
    public BFloat16[] NextBFloat16(long count, string name)
    {
        if (count > Array.MaxLength)
        {
            throw new CliUsageException($"{name} would have {count} elements; at most {Array.MaxLength} fit in one array.");
        }

        var values = new BFloat16[count];
        for (long i = 0; i < count; i++)
        {
            values[i] = (BFloat16)(((Next() >> 11) * (1.0 / (1ul << 53)) * 2) - 1);
        }

        return values;
    }
}
