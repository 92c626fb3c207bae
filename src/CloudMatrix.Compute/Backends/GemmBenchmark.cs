using System.Diagnostics;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Backends;

/// <summary>What <see cref="GemmBenchmark.Run"/> times: C = op(A)·op(B), BF16 in, FP32 accumulate, FP32 (or BF16) out.</summary>
/// <param name="M">Rows of op(A) and C; at least 1.</param>
/// <param name="N">Columns of op(B) and C; at least 1.</param>
/// <param name="K">Columns of op(A), rows of op(B); at least 1.</param>
/// <param name="Threads">Host threads of the cpu-simd kernel; at least 1 (ignored by device backends).</param>
/// <param name="TransA">Whether A is stored transposed (K x M).</param>
/// <param name="TransB">Whether B is stored transposed (N x K).</param>
/// <param name="Repeat">Timed runs after one untimed warm-up run; at least 1.</param>
/// <param name="Seed">Seed of the operands (A from <paramref name="Seed"/>, B from <paramref name="Seed"/> + 1, through <see cref="DenseTensor.Random{T}"/>).</param>
/// <param name="Backend">The backend's name as <see cref="BackendRegistry"/> knows it, or <c>auto</c>.</param>
/// <param name="BFloat16Output">Whether C is bfloat16 (one round to nearest even per element) rather than FP32.</param>
public sealed record GemmBenchmarkRequest(
    int M, int N, int K, int Threads, GemmTranspose TransA, GemmTranspose TransB, int Repeat, int Seed, string Backend = "cpu-simd",
    bool BFloat16Output = false);

/// <summary>What <see cref="GemmBenchmark.Run"/> reports.</summary>
/// <param name="M">Rows of op(A) and C.</param>
/// <param name="N">Columns of op(B) and C.</param>
/// <param name="K">Inner dimension.</param>
/// <param name="Threads">Host threads of the cpu-simd kernel; 0 when a device backend ran the GEMM.</param>
/// <param name="TransA">Whether A was stored transposed.</param>
/// <param name="TransB">Whether B was stored transposed.</param>
/// <param name="Kernel">The microkernel that ran (<see cref="ComputeBackend.GemmKernelName"/>).</param>
/// <param name="Gflops">2·M·N·K / <paramref name="Seconds"/> / 1e9, in GFLOP/s.</param>
/// <param name="Seconds">Median host time of one call, in seconds.</param>
/// <param name="BestSeconds">Fastest host time of one call, in seconds.</param>
/// <param name="Repeat">Timed runs.</param>
/// <param name="MaxRelError">Largest <see cref="GemmReference.RelativeError"/> over the checked elements (dimensionless).</param>
/// <param name="ErrorBound">The bound that error is held to, <see cref="GemmReference.Fp32AccumulationBound"/>, plus 2^-8 for the rounding of a bfloat16 C (dimensionless).</param>
/// <param name="CheckedElements">Elements of C compared with the FP64 reference: all, or for products above 2^27 multiply-adds the first and last row and column (where edge tiles are) and a seeded sample of 4096 others.</param>
/// <param name="Passed">Whether the error is within the bound.</param>
/// <param name="Seed">Seed of the operands.</param>
/// <param name="Backend">The compute backend that ran it (what <c>auto</c> resolved to).</param>
/// <param name="Device">The backend's device.</param>
/// <param name="OutputType">The element type of C: <c>fp32</c> or <c>bf16</c>.</param>
public sealed record GemmBenchmarkResult(
    int M, int N, int K, int Threads, bool TransA, bool TransB, string Kernel, double Gflops, double Seconds,
    double BestSeconds, int Repeat, double MaxRelError, double ErrorBound, long CheckedElements, bool Passed, int Seed,
    string Backend, string Device, string OutputType = "fp32");

/// <summary>
/// The GEMM microbenchmark behind <c>cmx bench gemm</c>: seeded BF16 operands, one warm-up and
/// <see cref="GemmBenchmarkRequest.Repeat"/> timed calls on a backend (host time; on a device backend operands are
/// uploaded once and each timed run is one GEMM plus the wait for it), then a check against
/// <see cref="GemmReference"/>.
/// </summary>
public static class GemmBenchmark
{
    /// <summary>Products up to this many multiply-adds are checked in full; larger ones on a sample of elements.</summary>
    private const double FullCheckMultiplyAdds = 1 << 27;

    private const int SampledElements = 4096;

    /// <summary>The most host threads <see cref="GemmBenchmarkRequest.Threads"/> may ask for (the GEMM kernel's limit).</summary>
    private const int MaxThreads = 4096;

    /// <summary>Runs the benchmark.</summary>
    /// <param name="request">What to run.</param>
    /// <param name="progress">Where to write progress lines (the backend <c>auto</c> chose, the warm-up); null for none.</param>
    /// <returns>Timings and the check.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or its <see cref="GemmBenchmarkRequest.Backend"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or the repeat count below 1, threads outside 1..4096, a
    /// transpose that is neither None nor Transpose, or an operand with more elements than one array holds
    /// (<c>ParamName</c> is <c>request</c>; the message names the field as <c>request.M</c> and gives the valid range).</exception>
    /// <exception cref="ArgumentException"><see cref="GemmBenchmarkRequest.Backend"/> is not a backend name (<c>ParamName</c> <c>request</c>).</exception>
    /// <exception cref="Memory.MemoryBudgetExceededException">The operands (twice over on a device backend) exceed the memory budget.</exception>
    /// <exception cref="BackendUnavailableException">The named backend is not available on this machine.</exception>
    public static GemmBenchmarkResult Run(GemmBenchmarkRequest request, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        (int m, int n, int k) = (request.M, request.N, request.K);
        AtLeastOne(m, "M", nameof(request));
        AtLeastOne(n, "N", nameof(request));
        AtLeastOne(k, "K", nameof(request));
        if (request.Threads < 1 || request.Threads > MaxThreads)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Threads,
                $"request.Threads is {request.Threads}; it must be in 1..{MaxThreads} (the GEMM kernel's limit).");
        }

        AtLeastOne(request.Repeat, "Repeat", nameof(request));
        DefinedTranspose(request.TransA, "TransA", nameof(request));
        DefinedTranspose(request.TransB, "TransB", nameof(request));
        if (request.Backend is null)
        {
            throw new ArgumentNullException(nameof(request), $"request.Backend is null; name a backend: {string.Join(", ", BackendRegistry.Names)}.");
        }

        string backendName = request.Backend.Trim().ToLowerInvariant();
        if (!BackendRegistry.Names.Contains(backendName))
        {
            throw new ArgumentException(
                $"request.Backend is '{request.Backend}'; valid names: {string.Join(", ", BackendRegistry.Names)}.", nameof(request));
        }
        foreach (var (name, count) in new[] { ("A", (long)m * k), ("B", (long)k * n), ("C", (long)m * n) })
        {
            if (count > Array.MaxLength)
            {
                throw new ArgumentOutOfRangeException(nameof(request), $"{name} would have {count} elements; at most {Array.MaxLength} fit in one array.");
            }
        }

        // BF16 A and B, FP32 C (and a BF16 C when asked for); a device backend holds a second copy of each.
        double bytes = (2.0 * m * k) + (2.0 * k * n) + (4.0 * m * n) + (request.BFloat16Output ? 2.0 * m * n : 0);
        Memory.MemoryBudget.Ensure(bytes * (backendName == CpuSimdBackend.BackendName ? 1 : 2), $"a {m} x {n} x {k} GEMM benchmark");

        int lda = request.TransA == GemmTranspose.None ? k : m;
        int ldb = request.TransB == GemmTranspose.None ? n : k;
        BFloat16[] a = DenseTensor.Random<BFloat16>(request.TransA == GemmTranspose.None ? [m, k] : [k, m], (ulong)request.Seed).Span.ToArray();
        BFloat16[] b = DenseTensor.Random<BFloat16>(request.TransB == GemmTranspose.None ? [k, n] : [n, k], (ulong)request.Seed + 1).Span.ToArray();
        float[] c = new float[m * n];
        BFloat16[]? cBFloat16 = request.BFloat16Output ? new BFloat16[m * n] : null;

        // A backend named explicitly must exist (no silent fallback); "auto" says what it picked.
        using ComputeBackend backend = ComputeBackend.Create(request.Backend);
        if (backend.SelectionReason is string reason)
        {
            progress?.WriteLine(reason);
        }

        bool onHost = backend.Name == "cpu-simd";
        using DeviceGemm? device = onHost ? null : new DeviceGemm(backend, request, a, lda, b, ldb);
        var options = new GemmOptions { ThreadCount = request.Threads };
        void Multiply()
        {
            if (device is null && cBFloat16 is not null)
            {
                BFloat16Gemm.Multiply(request.TransA, request.TransB, m, n, k, 1f, a, lda, b, ldb, 0f, cBFloat16, n, options);
            }
            else if (device is null)
            {
                BFloat16Gemm.Multiply(request.TransA, request.TransB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n, options);
            }
            else
            {
                device.Run();
            }
        }

        progress?.WriteLine($"gemm {m} x {n} x {k} on {backend.Name}: warm-up");
        Multiply();
        var times = new double[request.Repeat];
        for (int r = 0; r < request.Repeat; r++)
        {
            long start = Stopwatch.GetTimestamp();
            Multiply();
            times[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        device?.Result(c, cBFloat16);
        if (cBFloat16 is not null)
        {
            for (int i = 0; i < c.Length; i++)
            {
                c[i] = (float)cBFloat16[i];
            }
        }

        Array.Sort(times);
        double median = times[times.Length / 2];
        (double maxRel, long checkedCount) = Check(request, a, lda, b, ldb, c);
        // A bfloat16 C adds one rounding to nearest, at most 2^-8 of the value (8 significant bits), itself at most the magnitude.
        double bound = GemmReference.Fp32AccumulationBound(k) + (request.BFloat16Output ? Math.Pow(2, -8) : 0);
        return new GemmBenchmarkResult(m, n, k, onHost ? request.Threads : 0, request.TransA == GemmTranspose.Transpose,
            request.TransB == GemmTranspose.Transpose, backend.GemmKernelName, 2.0 * m * n * k / median / 1e9, median,
            times[0], request.Repeat, maxRel, bound, checkedCount, maxRel <= bound, request.Seed, backend.Name, backend.DeviceName,
            request.BFloat16Output ? "bf16" : "fp32");
    }

    private static void AtLeastOne(int value, string field, string paramName)
    {
        if (value < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName}.{field} is {value}; it must be at least 1.");
        }
    }

    private static void DefinedTranspose(GemmTranspose value, string field, string paramName)
    {
        if (value is not (GemmTranspose.None or GemmTranspose.Transpose))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName}.{field} is {(int)value}; it must be None or Transpose.");
        }
    }

    private static (double MaxRel, long Checked) Check(GemmBenchmarkRequest request, BFloat16[] a, int lda, BFloat16[] b, int ldb, float[] c)
    {
        (int m, int n, int k) = (request.M, request.N, request.K);
        bool full = (double)m * n * k <= FullCheckMultiplyAdds;
        long count = full ? (long)m * n : Math.Min(SampledElements, (long)m * n);

        // Sampled elements: (row, column) pairs drawn uniformly by the library's one generator, then the first and
        // last row and column, where a GPU kernel's edge tiles are.
        Span<double> picks = full ? default : DenseTensor.Random<double>([(int)count, 2], (ulong)request.Seed ^ 0x5EEDu, RandomDistribution.Uniform(0, 1)).Span;
        var elements = new List<(int Row, int Col)>();
        for (long e = 0; e < count; e++)
        {
            elements.Add(full
                ? ((int)(e / n), (int)(e % n))
                : (Math.Min(m - 1, (int)(picks[(int)(2 * e)] * m)), Math.Min(n - 1, (int)(picks[(int)((2 * e) + 1)] * n))));
        }

        if (!full)
        {
            for (int j = 0; j < n; j++)
            {
                elements.Add((0, j));
                elements.Add((m - 1, j));
            }

            for (int i = 0; i < m; i++)
            {
                elements.Add((i, 0));
                elements.Add((i, n - 1));
            }
        }

        var errors = new double[elements.Count];
        Parallel.For(0, elements.Count, e =>
        {
            (int i, int j) = elements[e];
            var (value, magnitude) = GemmReference.Element(request.TransA, request.TransB, k, a, lda, b, ldb, i, j);
            errors[e] = GemmReference.RelativeError(c[((long)i * n) + j], value, magnitude);
        });
        return (errors.Length == 0 ? 0 : errors.Max(), errors.Length);
    }

    /// <summary>The GEMM on a device backend: operands uploaded once (copies are not timed).</summary>
    private sealed class DeviceGemm : IDisposable
    {
        private readonly ComputeBackend _backend;
        private readonly GemmBenchmarkRequest _request;
        private readonly DeviceBuffer<BFloat16> _a;
        private readonly DeviceBuffer<BFloat16> _b;
        private readonly DeviceBuffer<float>? _c;
        private readonly DeviceBuffer<BFloat16>? _cBFloat16;
        private readonly int _lda;
        private readonly int _ldb;

        public DeviceGemm(ComputeBackend backend, GemmBenchmarkRequest request, BFloat16[] a, int lda, BFloat16[] b, int ldb)
        {
            (_backend, _request, _lda, _ldb) = (backend, request, lda, ldb);
            _a = backend.Allocate<BFloat16>(a.Length);
            _b = backend.Allocate<BFloat16>(b.Length);
            if (request.BFloat16Output)
            {
                _cBFloat16 = backend.Allocate<BFloat16>(checked(request.M * request.N));
            }
            else
            {
                _c = backend.Allocate<float>(checked(request.M * request.N));
            }

            _a.CopyFrom(a);
            _b.CopyFrom(b);
        }

        public void Run()
        {
            if (_cBFloat16 is not null)
            {
                _backend.Gemm(_request.TransA, _request.TransB, _request.M, _request.N, _request.K, 1f, _a, _lda, _b, _ldb, 0f, _cBFloat16, _request.N);
            }
            else
            {
                _backend.Gemm(_request.TransA, _request.TransB, _request.M, _request.N, _request.K, 1f, _a, _lda, _b, _ldb, 0f, _c!, _request.N);
            }

            _backend.Synchronize();
        }

        public void Result(float[] c, BFloat16[]? cBFloat16)
        {
            if (cBFloat16 is not null)
            {
                _cBFloat16!.CopyTo(cBFloat16);
            }
            else
            {
                _c!.CopyTo(c);
            }
        }

        public void Dispose()
        {
            _a.Dispose();
            _b.Dispose();
            _c?.Dispose();
            _cBFloat16?.Dispose();
        }
    }
}
