using System.Diagnostics;
using System.Globalization;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Kernels.Peak;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Benchmarks.Gemm;

/// <summary>
/// A sweep of generated-kernel configurations (tile, k unrolling, prefetch, blocks), each GEMM timed best-of-N next
/// to the <c>vdpbf16ps</c> peak measured in the same process, so each change reads as a fraction of the limit.
/// Run: <c>dotnet run -c Release --project bench/CloudMatrix.Compute.Benchmarks -- tune [threads] [size...]</c>;
/// <c>tune compare threads shape...</c> (ours, PyTorch, peak), <c>tune pack size</c>, <c>tune stream</c> (conversions
/// and the N-way sum against the measured memory bandwidth).
/// Best-of-N because the host may be shared: interference only ever slows a run.
/// </summary>
internal static class GemmTuning
{
    private static readonly DotKernelConfig[] Configs =
    [
        DotKernelConfig.Default,
        DotKernelConfig.Default with { Unroll = 4 },
        DotKernelConfig.Default with { Unroll = 4, PrefetchB = 1024 },
        DotKernelConfig.Default with { Unroll = 4, PrefetchA = 512, PrefetchB = 1024 },
        DotKernelConfig.Default with { Unroll = 4, Kc = 512 },
        DotKernelConfig.Default with { Unroll = 4, Kc = 2048, Mc = 96 },
        DotKernelConfig.Default with { Unroll = 4, Mc = 96 },
        DotKernelConfig.Default with { Unroll = 4, Mc = 384 },
        new(14, 2, 7, 4, 0, 0, 196, 1024, 4096),
        new(15, 2, 8, 4, 0, 0, 195, 1024, 4096),
        new(8, 3, 4, 4, 0, 0, 192, 1024, 4080),
        new(6, 4, 3, 4, 0, 0, 192, 1024, 4096),
        new(7, 4, 4, 4, 0, 0, 196, 1024, 4096),
        DotKernelConfig.Default,
    ];

    public static void Run(string[] args)
    {
        // --small-pages: packing buffers on ordinary 4 KiB pages (buffers allocated from here on), to compare.
        if (args.Contains("--small-pages"))
        {
            PackMemory.UseHugePages = false;
            args = [.. args.Where(a => a != "--small-pages")];
        }

        if (args.Length > 0 && args[0] == "pack")
        {
            Packing(int.Parse(args[1], CultureInfo.InvariantCulture));
            return;
        }

        if (args.Length > 0 && args[0] == "stream")
        {
            Reduce.StreamKernels.Run();
            return;
        }

        if (args.Length > 0 && args[0] == "batch")
        {
            Batch(int.Parse(args[1], CultureInfo.InvariantCulture), [.. args[2..].Select(a => int.Parse(a, CultureInfo.InvariantCulture))]);
            return;
        }

        if (args.Length > 0 && args[0] == "compare")
        {
            bool alignC = args.Contains("--align-c");
            Compare(int.Parse(args[1], CultureInfo.InvariantCulture), [.. args[2..].Where(a => a != "--align-c")], alignC);
            return;
        }

        // --configs 0,2,5 picks rows of the sweep (by index in Configs) for sizes whose GEMMs take seconds.
        int picked = Array.IndexOf(args, "--configs");
        DotKernelConfig[] configs = picked < 0 ? Configs
            : [.. args[picked + 1].Split(',').Select(i => Configs[int.Parse(i, CultureInfo.InvariantCulture)])];
        if (picked >= 0)
        {
            args = [.. args[..picked], .. args[(picked + 2)..]];
        }

        int threads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        int[] sizes = args.Length > 1 ? [.. args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [1024, 2048];
        const int Repeats = 7;
        Console.WriteLine($"threads {threads}; best of {Repeats} per cell; peak = vdpbf16ps zmm, 12 chains, same process");
        double peak = HostPeak.MeasureGflops(PeakInstruction.BFloat16DotZmm, threads);
        Console.WriteLine($"peak before: {peak:F1} GFLOP/s");
        Console.WriteLine($"{"config",-58} {"kernel-only",14} {string.Join(" ", sizes.Select(s => $"{s,14}"))}");
        var data = sizes.ToDictionary(s => s, s => (A: Fill(s * s, 1), B: Fill(s * s, 2), C: new float[s * s]));
        foreach (DotKernelConfig config in configs)
        {
            GemmMicroKernel kernel = BFloat16DotKernels.Build(config) ?? throw new PlatformNotSupportedException("no AVX512_BF16");
            var options = new GemmOptions { Kernel = kernel, ThreadCount = threads };
            double alone = KernelOnly(kernel);
            var cells = new List<string> { $"{alone,7:F1} ({alone / (peak / threads),4:P0})" };
            foreach (int s in sizes)
            {
                var (a, b, c) = data[s];
                BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, s, s, s, 1f, a, s, b, s, 0f, c, s, options);
                double best = double.MaxValue;
                for (int r = 0; r < Repeats; r++)
                {
                    long start = Stopwatch.GetTimestamp();
                    BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, s, s, s, 1f, a, s, b, s, 0f, c, s, options);
                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
                }

                double gflops = 2.0 * s * s * s / best / 1e9;
                cells.Add($"{gflops,7:F1} ({gflops / peak,4:P0})");
            }

            string label = $"{config.Name} u{config.Unroll} pfA{config.PrefetchA} pfB{config.PrefetchB} mc{config.Mc} kc{config.Kc} nc{config.Nc}";
            Console.WriteLine($"{label,-58} {string.Join(" ", cells)}");
        }

        Console.WriteLine($"peak after: {HostPeak.MeasureGflops(PeakInstruction.BFloat16DotZmm, threads):F1} GFLOP/s");
    }

    /// <summary>
    /// Ours (shared B panels; the per-thread grid split; shared with C always written by ordinary stores), PyTorch
    /// bf16 (bench/peers/torch_cpu_gemm.py in a child process, same thread count) and the vdpbf16ps peak, shape by
    /// shape in one run: peak, ours, peer, peak again.
    /// </summary>
    /// <remarks>C is a pinned managed array, starting where the runtime puts it (as a caller's array would: rarely on
    /// a 64-byte line; the line prints the offset), or with <paramref name="alignC"/> (<c>--align-c</c>) on a 64-byte
    /// line, as PyTorch places its output.</remarks>
    private static void Compare(int threads, string[] shapes, bool alignC)
    {
        Console.WriteLine($"threads {threads}; best of 7, or of as many runs as fill 1 s (at most 100), the peer too; peak = vdpbf16ps zmm, 12 chains; peer = PyTorch bf16 matmul, same threads; C {(alignC ? "on a 64-byte line" : "where the runtime puts it")}");
        Console.WriteLine($"{"shape",-16} {"peak",7} {"shared",7} {"grid",7} {"no-pf",7} {"plainC",7} {"torch",7} {"peak2",7} {"shared/peak",11} {"shared/torch",12}");
        foreach (string shape in shapes)
        {
            int[] d = [.. shape.Split('x').Select(x => int.Parse(x, CultureInfo.InvariantCulture))];
            (int m, int n, int k) = d.Length == 1 ? (d[0], d[0], d[0]) : (d[0], d[1], d[2]);
            BFloat16[] a = Fill(m * k, 1), b = Fill(k * n, 2);
            float[] cStore = GC.AllocateUninitializedArray<float>((m * n) + 16, pinned: true);
            Memory<float> c = cStore.AsMemory(alignC ? AlignedStart(cStore) : 0, m * n);
            int lineOffset = LineOffset(c);
            double peak = HostPeak.MeasureGflops(PeakInstruction.BFloat16DotZmm, threads);

            // Short products get more runs: a burst of other work on a shared host spans all 7 runs of a 6 ms call.
            int repeats = 7;
            double Ours(bool share)
            {
                var options = new GemmOptions { ThreadCount = threads, SharePanels = share };
                long first = Stopwatch.GetTimestamp();
                BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, m, n, k, 1f, a, k, b, n, 0f, c.Span, n, options);
                repeats = Math.Clamp((int)(1.0 / Stopwatch.GetElapsedTime(first).TotalSeconds), 7, 100);
                double best = double.MaxValue;
                for (int r = 0; r < repeats; r++)
                {
                    long start = Stopwatch.GetTimestamp();
                    BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, m, n, k, 1f, a, k, b, n, 0f, c.Span, n, options);
                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
                }

                return 2.0 * m * n * k / best / 1e9;
            }

            // Warm up for 0.3 s (at least once) before the first series: the first series after the peak measurement
            // and a fresh C came out up to 10 % slower than an identical second one.
            long warm = Stopwatch.GetTimestamp();
            do
            {
                BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, m, n, k, 1f, a, k, b, n, 0f, c.Span, n,
                    new GemmOptions { ThreadCount = threads });
            }
            while (Stopwatch.GetElapsedTime(warm).TotalSeconds < 0.3);

            double shared = Ours(true), grid = Ours(false);

            // The same call with B packed without prefetching its source rows ahead (GemmPacking.PrefetchPairsAhead).
            int ahead = GemmPacking.PrefetchPairsAhead;
            GemmPacking.PrefetchPairsAhead = 0;
            double unfetched = Ours(true);
            GemmPacking.PrefetchPairsAhead = ahead;

            // The same call with C written by ordinary stores, where the call streams C (NaN, printed as such, elsewhere).
            double plain = double.NaN;
            var call = new GemmCall { M = m, N = n, K = k, Beta = 0f, Ldc = n };
            if (GemmDriver.StreamsC(call, GemmMicroKernel.Select(GemmSimdWidth.Auto)))
            {
                long streamMin = GemmDriver.StreamMinBytes;
                GemmDriver.StreamMinBytes = long.MaxValue;
                plain = Ours(true);
                GemmDriver.StreamMinBytes = streamMin;
            }

            double torch = Torch(threads, $"{m}x{n}x{k}", repeats);
            double peak2 = HostPeak.MeasureGflops(PeakInstruction.BFloat16DotZmm, threads);
            Console.WriteLine(
                $"{shape,-16} {peak,7:F1} {shared,7:F1} {grid,7:F1} {unfetched,7:F1} {plain,7:F1} {torch,7:F1} {peak2,7:F1} {shared / Math.Max(peak, peak2),11:P1} {shared / torch,11:F2}x  (C at byte {lineOffset} of a line)");
        }
    }

    /// <summary>
    /// An S³ product cut on the 48 x 8 device grid as one batch of 384 shards (row blocks of A over 48, column blocks
    /// of B over 8): with B packed once per column (shared) and per shard, next to the whole product in one call and
    /// the peak, all on <paramref name="threads"/> threads.
    /// </summary>
    private static void Batch(int threads, int[] sizes)
    {
        const int Rows = 48, Columns = 8, Repeats = 5;
        Console.WriteLine($"threads {threads}; best of {Repeats}; 48 x 8 shards of an S^3 product as one MultiplyBatch");
        Console.WriteLine($"{"S",6} {"shard",16} {"peak",7} {"shared",7} {"unshared",8} {"whole",7} {"shared/peak",11}");
        foreach (int s in sizes)
        {
            BFloat16[] a = Fill(s * s, 1), b = Fill(s * s, 2);
            float[] c = new float[s * s];
            var items = new GemmBatchItem[Rows * Columns];
            for (int r = 0; r < Rows; r++)
            {
                (int i0, int i1) = (s * r / Rows, s * (r + 1) / Rows);
                for (int q = 0; q < Columns; q++)
                {
                    (int j0, int j1) = (s * q / Columns, s * (q + 1) / Columns);
                    items[(r * Columns) + q] = new GemmBatchItem(GemmTranspose.None, GemmTranspose.None, i1 - i0, j1 - j0, s, 1f,
                        a.AsMemory(i0 * s, ((i1 - i0 - 1) * s) + s), s, b.AsMemory(j0, ((s - 1) * s) + (j1 - j0)), s, 0f,
                        c.AsMemory((i0 * s) + j0, ((i1 - i0 - 1) * s) + (j1 - j0)), s);
                }
            }

            double Time(Action run)
            {
                run();
                double best = double.MaxValue;
                for (int r = 0; r < Repeats; r++)
                {
                    long start = Stopwatch.GetTimestamp();
                    run();
                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
                }

                return 2.0 * s * s * s / best / 1e9;
            }

            double peak = HostPeak.MeasureGflops(PeakInstruction.BFloat16DotZmm, threads);
            double shared = Time(() => BFloat16Gemm.MultiplyBatch(items, new GemmOptions { ThreadCount = threads }));
            double unshared = Time(() => BFloat16Gemm.MultiplyBatch(items, new GemmOptions { ThreadCount = threads, SharePanels = false }));
            double whole = Time(() => BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, s, s, s, 1f, a, s, b, s, 0f, c, s,
                new GemmOptions { ThreadCount = threads }));
            Console.WriteLine($"{s,6} {$"{items[0].M}x{items[0].N}x{s}",16} {peak,7:F1} {shared,7:F1} {unshared,8:F1} {whole,7:F1} {shared / peak,11:P1}");
        }
    }

    /// <summary>GFLOP/s of PyTorch bf16 matmul on one shape (NaN when python3 or torch is missing).</summary>
    private static double Torch(int threads, string shape, int repeats)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "torch_cpu_gemm.py");
        var start = new ProcessStartInfo("/usr/bin/python3", [script, "--threads", $"{threads}", "--repeat", $"{repeats}", shape])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            string[] fields = output.Trim().Split(' ');
            return fields.Length >= 5 ? double.Parse(fields[4], CultureInfo.InvariantCulture) : double.NaN;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return double.NaN;
        }
    }

    /// <summary>Time to pack a KC x N panel of B and an M x KC block of A (one thread), in ns per element.</summary>
    private static unsafe void Packing(int s)
    {
        GemmMicroKernel kernel = BFloat16DotKernels.Kernel!;
        int kc = Math.Min(kernel.Kc, s);
        BFloat16[] source = Fill(s * s, 3);
        uint* dst = (uint*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(s + 64) * (nuint)kc * 2, 64);
        fixed (BFloat16* src = source)
        {
            foreach (string what in new[] { "B panel", "A block" })
            {
                double best = double.MaxValue;
                for (int r = 0; r < 20; r++)
                {
                    long start = Stopwatch.GetTimestamp();
                    if (what == "B panel")
                    {
                        GemmPacking.PackPairs((ushort*)src, s, 1, s, kc, kernel.Nr, kernel.NrNarrow, dst);
                    }
                    else
                    {
                        for (int ic = 0; ic < s; ic += kernel.Mc)
                        {
                            GemmPacking.PackPairs((ushort*)src + (ic * s), 1, s, Math.Min(kernel.Mc, s - ic), kc, kernel.Mr, kernel.MrShort, dst);
                        }
                    }

                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
                }

                double elements = (double)s * kc;
                Console.WriteLine($"{what} {s} x {kc}: {best * 1e3:F3} ms, {best / elements * 1e9:F3} ns/element, {elements * 4 / best / 1e9:F1} GB/s read+write");
            }
        }

        System.Runtime.InteropServices.NativeMemory.AlignedFree(dst);
    }

    /// <summary>One thread, one tile over and over on panels that stay in L1/L2: the microkernel's own ceiling.</summary>
    private static unsafe double KernelOnly(GemmMicroKernel kernel)
    {
        const int Pairs = 256;
        int aWords = kernel.Mr * Pairs, bWords = kernel.Nr * Pairs;
        float* a = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(aWords + bWords + (kernel.Mr * kernel.Nr)) * 4, 64);
        float* b = a + aWords, c = b + bWords;
        for (int i = 0; i < aWords + bWords; i++)
        {
            ((uint*)a)[i] = 0x3C003C00u;
        }

        double best = double.MaxValue;
        for (int r = 0; r < 5; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int call = 0; call < 2000; call++)
            {
                kernel.Compute(false, false, Pairs, a, b, c, kernel.Nr, 1f, 0f);
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        System.Runtime.InteropServices.NativeMemory.AlignedFree(a);
        return 2000.0 * 4 * kernel.Mr * kernel.Nr * Pairs / best / 1e9;
    }

    /// <summary>Index of the first element of a pinned array on a 64-byte boundary.</summary>
    private static unsafe int AlignedStart(float[] pinned)
    {
        fixed (float* p = pinned)
        {
            return (int)((64 - ((nint)p & 63)) & 63) / sizeof(float);
        }
    }

    /// <summary>Bytes from the 64-byte line boundary before the first element of pinned <paramref name="c"/>.</summary>
    private static unsafe int LineOffset(Memory<float> c)
    {
        fixed (float* p = c.Span)
        {
            return (int)((nint)p & 63);
        }
    }

    private static BFloat16[] Fill(int count, int seed)
    {
        var random = new Random(seed);
        var values = new BFloat16[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (BFloat16)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
