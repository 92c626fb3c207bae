using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Benchmarks;

/// <summary>
/// Span conversions of 16 Mi elements on one thread, against <see cref="Buffer.MemoryCopy"/> of the float side:
/// the peer copies the same 64 MiB that float-to-bfloat16 reads (and bfloat16-to-float writes) into another 64 MiB
/// buffer. The Ratio column is time over the copy's time, so the speed of a conversion relative to the copy (over the
/// same 64 MiB of floats) is 1 / Ratio: above 1 it converts those bytes faster than the copy moves them.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 20)]
[MinColumn]
[MedianColumn]
[MemoryDiagnoser(false)]
public unsafe class BFloat16ConvertBenchmarks
{
    private const int Count = 16 * 1024 * 1024;
    private float[] _floats = null!;
    private float[] _floatsOut = null!;
    private BFloat16[] _bf16 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _floats = GC.AllocateUninitializedArray<float>(Count, pinned: true);
        _floatsOut = GC.AllocateUninitializedArray<float>(Count, pinned: true);
        _bf16 = GC.AllocateUninitializedArray<BFloat16>(Count, pinned: true);
        var random = new Random(1);
        for (int i = 0; i < Count; i++)
        {
            _floats[i] = (float)((random.NextDouble() * 2) - 1);
        }

        BFloat16Convert.ToBFloat16(_floats, _bf16);
        _floatsOut.AsSpan().Fill(1); // touch every page before timing
    }

    /// <summary>The peer: copy the 64 MiB of float input to another buffer.</summary>
    [Benchmark(Baseline = true, Description = "Buffer.MemoryCopy 64 MiB")]
    public void MemoryCopy()
    {
        fixed (float* source = _floats)
        fixed (float* destination = _floatsOut)
        {
            long bytes = (long)Count * sizeof(float);
            Buffer.MemoryCopy(source, destination, bytes, bytes);
        }
    }

    /// <summary>Narrow 16 Mi floats (read 64 MiB, write 32 MiB).</summary>
    [Benchmark(Description = "float->BF16 16 Mi")]
    public void FloatToBFloat16() => BFloat16Convert.ToBFloat16(_floats, _bf16);

    /// <summary>Narrow with ordinary (cached) stores, to show what the non-temporal stores buy at this size.</summary>
    [Benchmark(Description = "float->BF16 16 Mi, cached stores")]
    public void FloatToBFloat16Cached() =>
        BFloat16Convert.ToBFloat16Bits(_floats, MemoryMarshal.Cast<BFloat16, ushort>(_bf16.AsSpan()), SimdWidth.Vector512, nonTemporal: false);

    /// <summary>Widen 16 Mi bfloat16 (read 32 MiB, write 64 MiB).</summary>
    [Benchmark(Description = "BF16->float 16 Mi")]
    public void BFloat16ToFloat() => BFloat16Convert.ToSingle(_bf16, _floatsOut);

    /// <summary>The scalar operator in a loop, to show what the vector paths buy.</summary>
    [Benchmark(Description = "float->BF16 16 Mi, scalar loop")]
    public void FloatToBFloat16Scalar()
    {
        Span<BFloat16> destination = _bf16;
        ReadOnlySpan<float> source = _floats;
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (BFloat16)source[i];
        }
    }
}
