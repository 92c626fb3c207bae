using BenchmarkDotNet.Attributes;
using CloudMatrix.Compute.Kernels.Reduce;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Benchmarks.Reduce;

/// <summary>
/// The collectives' reduction step on the host: the sum of 8 bfloat16 buffers of 1 Mi elements (widen, sum in FP32 in
/// source order, round once), <see cref="BufferSum"/> against the plain scalar loop with the same order and the same
/// bits. One thread each. Bytes moved per call: 8 inputs + 1 output, 2 bytes an element (18 MiB).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class BufferSumBenchmarks
{
    private const int Sources = 8;
    private const int Length = 1 << 20;
    private BFloat16[][] _sources = [];
    private ReadOnlyMemory<BFloat16>[] _memories = [];
    private BFloat16[] _destination = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        _sources = Enumerable.Range(0, Sources)
            .Select(_ => Enumerable.Range(0, Length).Select(_ => (BFloat16)((random.NextDouble() * 2) - 1)).ToArray())
            .ToArray();
        _memories = _sources.Select(s => (ReadOnlyMemory<BFloat16>)s).ToArray();
        _destination = new BFloat16[Length];

        // Both paths must give the same bits, or the comparison is meaningless.
        BufferSum.Sum(_memories, _destination);
        BFloat16[] simd = (BFloat16[])_destination.Clone();
        ScalarLoop();
        if (!simd.AsSpan().SequenceEqual(_destination))
        {
            throw new InvalidOperationException("BufferSum and the scalar loop disagree.");
        }
    }

    [Benchmark(Baseline = true, Description = "scalar loop (same order)")]
    public void ScalarLoop()
    {
        BFloat16[][] sources = _sources;
        BFloat16[] destination = _destination;
        for (int i = 0; i < destination.Length; i++)
        {
            float sum = sources[0][i];
            for (int s = 1; s < sources.Length; s++)
            {
                sum += sources[s][i];
            }

            destination[i] = (BFloat16)sum;
        }
    }

    [Benchmark(Description = "BufferSum (SIMD)")]
    public void Simd() => BufferSum.Sum(_memories, _destination);
}
