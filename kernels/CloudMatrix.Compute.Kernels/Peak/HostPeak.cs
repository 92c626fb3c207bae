using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CloudMatrix.Compute.Kernels.Peak;

/// <summary>
/// The host's limits, measured in process: the throughput of the instructions the GEMM kernels use (independent
/// chains of one instruction on every thread, in generated machine code) and the memory bandwidth of streaming reads
/// and copies. Benchmarks report their speed as a fraction of these, measured in the same run on the same machine.
/// </summary>
/// <remarks>
/// Each figure is the best of several trials: on a shared or virtual host, interference only ever slows a trial, so
/// the fastest is the closest to the machine's limit. Threads are plain OS threads, not pinned.
/// </remarks>
public static unsafe class HostPeak
{
    /// <summary>Independent accumulator chains by default: enough to cover the latency x issue width of AVX-512 FMA and <c>vdpbf16ps</c> on Zen 4 and Zen 5.</summary>
    public const int DefaultAccumulators = 12;

    /// <summary>Whether the host can run <paramref name="instruction"/> (CPU features and generated code: Linux x64).</summary>
    /// <param name="instruction">The instruction.</param>
    /// <returns>True when <see cref="MeasureGflops"/> can measure it.</returns>
    public static bool IsSupported(PeakInstruction instruction) => PeakLoops.IsSupported(instruction);

    /// <summary>
    /// Measures the throughput of <paramref name="instruction"/> on <paramref name="threads"/> threads at once, each
    /// running <paramref name="accumulators"/> independent chains, in GFLOP/s (1e9 FLOP/s; a multiply-add is 2 FLOP,
    /// so one zmm <c>vdpbf16ps</c> is 64 FLOP and one zmm FMA 32).
    /// </summary>
    /// <param name="instruction">The instruction.</param>
    /// <param name="threads">Threads running at once; at least 1.</param>
    /// <param name="accumulators">Independent chains per thread, 1 to 30.</param>
    /// <param name="trialSeconds">Target duration of one trial in seconds, above 0.</param>
    /// <param name="trials">Trials; the best is returned. At least 1.</param>
    /// <returns>GFLOP/s summed over the threads: total FLOP over the wall time from the first start to the last end.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count or duration out of range.</exception>
    /// <exception cref="PlatformNotSupportedException">The host cannot run <paramref name="instruction"/>.</exception>
    public static double MeasureGflops(
        PeakInstruction instruction, int threads, int accumulators = DefaultAccumulators, double trialSeconds = 0.05, int trials = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(accumulators, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(accumulators, PeakLoops.MaxAccumulators);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trialSeconds);
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        nint loop = PeakLoops.Get(instruction, accumulators);
        if (loop == 0)
        {
            throw new PlatformNotSupportedException($"This host cannot run the {instruction} peak loop.");
        }

        // Operands: 2^-10 in every bfloat16 (and FP32) lane; the sums stay exact and far from overflow for any trial.
        float* operands = (float*)NativeMemory.AlignedAlloc(128, 64);
        float* sink = (float*)NativeMemory.AlignedAlloc((nuint)(threads * PeakLoops.MaxAccumulators * 64), 64);
        try
        {
            uint pair = instruction == PeakInstruction.BFloat16DotZmm ? 0x3A80_3A80u : BitConverter.SingleToUInt32Bits(1f / 1024);
            for (int i = 0; i < 32; i++)
            {
                ((uint*)operands)[i] = pair;
            }

            long iterations = Calibrate(loop, operands, sink, trialSeconds);
            double best = double.MaxValue;
            for (int t = 0; t < trials; t++)
            {
                best = Math.Min(best, RunOnThreads(threads, id =>
                    PeakLoops.Run(loop, iterations, operands, sink + (id * PeakLoops.MaxAccumulators * 16))));
            }

            double flop = 2.0 * PeakLoops.MultiplyAddsPerInstruction(instruction) * accumulators * PeakLoops.Unroll * iterations * threads;
            return flop / best / 1e9;
        }
        finally
        {
            NativeMemory.AlignedFree(operands);
            NativeMemory.AlignedFree(sink);
        }
    }

    /// <summary>
    /// Runs the <paramref name="instruction"/> loop for about <paramref name="flop"/> FLOP split over
    /// <paramref name="threads"/> threads (started per call): the peak as a benchmark row next to a GEMM of that
    /// many FLOP, so the benchmark's own timing gives its time at the limit.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The host cannot run <paramref name="instruction"/>.</exception>
    internal static void RunFlop(PeakInstruction instruction, int threads, double flop)
    {
        nint loop = PeakLoops.Get(instruction, DefaultAccumulators);
        if (loop == 0)
        {
            throw new PlatformNotSupportedException($"This host cannot run the {instruction} peak loop.");
        }

        double flopPerIteration = 2.0 * PeakLoops.MultiplyAddsPerInstruction(instruction) * DefaultAccumulators * PeakLoops.Unroll;
        long iterations = Math.Max(1, (long)Math.Ceiling(flop / threads / flopPerIteration));
        float* operands = (float*)NativeMemory.AlignedAlloc(128, 64);
        float* sink = (float*)NativeMemory.AlignedAlloc((nuint)(threads * PeakLoops.MaxAccumulators * 64), 64);
        try
        {
            NativeMemory.Clear(operands, 128);
            RunOnThreads(threads, id => PeakLoops.Run(loop, iterations, operands, sink + (id * PeakLoops.MaxAccumulators * 16)));
        }
        finally
        {
            NativeMemory.AlignedFree(operands);
            NativeMemory.AlignedFree(sink);
        }
    }

    /// <summary>
    /// Measures streaming memory bandwidth on <paramref name="threads"/> threads at once, each over its own slice of
    /// a buffer of <paramref name="bytes"/> bytes: a vector sum (read) and a copy into a second buffer.
    /// </summary>
    /// <param name="threads">Threads running at once; at least 1.</param>
    /// <param name="bytes">Size of each of the two buffers in bytes, rounded down to a multiple of 64; at least 1 MiB. Take several times the last-level cache.</param>
    /// <param name="trials">Trials of each kind; the best is kept. At least 1.</param>
    /// <returns>The bandwidths.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count or size out of range.</exception>
    /// <exception cref="OutOfMemoryException">The buffers cannot be allocated.</exception>
    public static MemoryBandwidth MeasureMemoryBandwidth(int threads, long bytes = 512L << 20, int trials = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1L << 20);
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        bytes &= ~63L;
        byte* source = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        byte* destination = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            // Touch every page first: the first write to a page costs a fault, which is not bandwidth.
            NativeMemory.Fill(source, (nuint)bytes, 0x3F);
            NativeMemory.Clear(destination, (nuint)bytes);
            float* sums = stackalloc float[threads];
            long Slice(int id) => bytes / threads / 64 * 64 * id;
            long Length(int id) => id == threads - 1 ? bytes - Slice(id) : Slice(id + 1) - Slice(id);

            double read = double.MaxValue, copy = double.MaxValue;
            for (int t = 0; t < trials; t++)
            {
                float* sumsLocal = sums;
                read = Math.Min(read, RunOnThreads(threads, id => sumsLocal[id] = Sum((float*)(source + Slice(id)), Length(id) / 4)));
                copy = Math.Min(copy, RunOnThreads(threads, id => Copy(source + Slice(id), destination + Slice(id), Length(id))));
            }

            return new MemoryBandwidth(threads, bytes, bytes / read, bytes / copy);
        }
        finally
        {
            NativeMemory.AlignedFree(source);
            NativeMemory.AlignedFree(destination);
        }
    }

    /// <summary>Iterations that take about <paramref name="seconds"/> on one thread.</summary>
    private static long Calibrate(nint loop, float* operands, float* sink, double seconds)
    {
        long iterations = 1024;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            PeakLoops.Run(loop, iterations, operands, sink);
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (elapsed >= seconds / 8 || iterations >= (1L << 40))
            {
                return Math.Max(1, (long)(iterations * seconds / Math.Max(elapsed, 1e-9)));
            }

            iterations *= 4;
        }
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="threads"/> threads released together; returns seconds from the first start to the last end.</summary>
    private static double RunOnThreads(int threads, Action<int> body)
    {
        long[] starts = new long[threads];
        long[] ends = new long[threads];
        using var barrier = new Barrier(threads);
        var workers = new Thread[threads];
        for (int id = 0; id < threads; id++)
        {
            int me = id;
            workers[id] = new Thread(() =>
            {
                barrier.SignalAndWait();
                starts[me] = Stopwatch.GetTimestamp();
                body(me);
                ends[me] = Stopwatch.GetTimestamp();
            })
            {
                IsBackground = true,
                Name = $"cmx-peak-{id}",
            };
            workers[id].Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        return (double)(ends.Max() - starts.Min()) / Stopwatch.Frequency;
    }

    /// <summary>
    /// Copies <paramref name="bytes"/> (a multiple of 64, both ends 64-byte aligned) with 64-byte loads and
    /// non-temporal stores, as the conversion kernels store large outputs: the destination is not read for
    /// ownership, so the traffic is one read and one write per byte. Without AVX-512, <see cref="Buffer.MemoryCopy(void*, void*, long, long)"/>.
    /// </summary>
    private static void Copy(byte* source, byte* destination, long bytes)
    {
        if (!Avx512F.IsSupported)
        {
            Buffer.MemoryCopy(source, destination, bytes, bytes);
            return;
        }

        for (long i = 0; i + 256 <= bytes; i += 256)
        {
            Vector512<byte> v0 = Vector512.LoadAligned(source + i), v1 = Vector512.LoadAligned(source + i + 64);
            Vector512<byte> v2 = Vector512.LoadAligned(source + i + 128), v3 = Vector512.LoadAligned(source + i + 192);
            Avx512F.StoreAlignedNonTemporal(destination + i, v0);
            Avx512F.StoreAlignedNonTemporal(destination + i + 64, v1);
            Avx512F.StoreAlignedNonTemporal(destination + i + 128, v2);
            Avx512F.StoreAlignedNonTemporal(destination + i + 192, v3);
        }

        long done = bytes & ~255L;
        Buffer.MemoryCopy(source + done, destination + done, bytes - done, bytes - done);
        Sse.StoreFence();
    }

    /// <summary>Sum of <paramref name="count"/> floats with eight independent vector accumulators (bound by memory, not by add latency).</summary>
    private static float Sum(float* values, long count)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
        long i = 0;
        for (; i + 128 <= count; i += 128)
        {
            s0 += Vector512.LoadAligned(values + i);
            s1 += Vector512.LoadAligned(values + i + 16);
            s2 += Vector512.LoadAligned(values + i + 32);
            s3 += Vector512.LoadAligned(values + i + 48);
            s4 += Vector512.LoadAligned(values + i + 64);
            s5 += Vector512.LoadAligned(values + i + 80);
            s6 += Vector512.LoadAligned(values + i + 96);
            s7 += Vector512.LoadAligned(values + i + 112);
        }

        float sum = Vector512.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
        for (; i < count; i++)
        {
            sum += values[i];
        }

        return sum;
    }
}
