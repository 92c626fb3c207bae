using System.Diagnostics;
using CloudMatrix.Compute.Kernels.Peak;
using CloudMatrix.Compute.Kernels.Reduce;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Benchmarks.Reduce;

/// <summary>
/// The streaming kernels against the memory bandwidth measured in the same process, one thread (their APIs run on
/// the calling thread): float to bfloat16 and back over 64 Mi elements, and the 8-way bfloat16 sum over 8 x 8 Mi
/// elements, all far beyond the last-level cache. Each is reported as memory traffic (bytes read + bytes written per
/// second) over the copy's traffic, the bound of a kernel that reads one stream and writes another.
/// </summary>
internal static class StreamKernels
{
    private const int Trials = 5;

    public static void Run()
    {
        MemoryBandwidth memory = HostPeak.MeasureMemoryBandwidth(1, 512L << 20);
        Console.WriteLine($"1 thread; best of {Trials}; memory: read {memory.ReadBytesPerSecond / 1e9:F1} GB/s, copy {memory.CopyBytesPerSecond / 1e9:F1} GB/s " +
            $"(traffic {memory.CopyTrafficBytesPerSecond / 1e9:F1} GB/s), 2 x 512 MiB buffers");
        const int Count = 64 << 20;
        float[] floats = GC.AllocateUninitializedArray<float>(Count, pinned: true);
        BFloat16[] bf16 = GC.AllocateUninitializedArray<BFloat16>(Count, pinned: true);
        var random = new Random(1);
        for (int i = 0; i < Count; i++)
        {
            floats[i] = (float)((random.NextDouble() * 2) - 1);
        }

        Report("float->BF16, 64 Mi", 6.0 * Count, () => BFloat16Convert.ToBFloat16(floats, bf16), memory);
        Report("BF16->float, 64 Mi", 6.0 * Count, () => BFloat16Convert.ToSingle(bf16, floats), memory);

        const int Sources = 8, Length = 8 << 20;
        ReadOnlyMemory<BFloat16>[] sources = [.. Enumerable.Range(0, Sources).Select(s => (ReadOnlyMemory<BFloat16>)bf16.AsMemory(s * Length, Length))];
        BFloat16[] sum = GC.AllocateUninitializedArray<BFloat16>(Length, pinned: true);
        Report("8-way BF16 sum, 8 x 8 Mi", 2.0 * (Sources + 1) * Length, () => BufferSum.Sum(sources, sum), memory);
    }

    private static void Report(string name, double trafficBytes, Action run, MemoryBandwidth memory)
    {
        run();
        double best = double.MaxValue;
        for (int t = 0; t < Trials; t++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        double rate = trafficBytes / best;
        Console.WriteLine($"{name,-28} {best * 1e3,8:F2} ms  traffic {rate / 1e9,6:F1} GB/s  = {rate / memory.CopyTrafficBytesPerSecond,6:P0} of copy traffic, {rate / memory.ReadBytesPerSecond,6:P0} of read");
    }
}
