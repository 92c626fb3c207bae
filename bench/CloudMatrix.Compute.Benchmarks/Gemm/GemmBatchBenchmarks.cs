using BenchmarkDotNet.Attributes;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Benchmarks.Gemm;

/// <summary>
/// Core utilisation of the batched entry point: 48 independent small GEMMs (one per virtual device of a 48-way
/// split) run as one batch on 2 threads, against the same items one after another on 1 thread. The ideal ratio is
/// the thread count.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class GemmBatchBenchmarks
{
    private const int Devices = 48;
    private GemmBatchItem[] _items = [];
    private readonly GemmOptions _one = new() { ThreadCount = 1 };
    private readonly GemmOptions _two = new() { ThreadCount = 2 };

    [Params(64, 171)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _items = new GemmBatchItem[Devices];
        for (int d = 0; d < Devices; d++)
        {
            var a = new BFloat16[Size * Size];
            var b = new BFloat16[Size * Size];
            for (int i = 0; i < a.Length; i++)
            {
                a[i] = (BFloat16)((random.NextDouble() * 2) - 1);
                b[i] = (BFloat16)((random.NextDouble() * 2) - 1);
            }

            _items[d] = new GemmBatchItem(GemmTranspose.None, GemmTranspose.None, Size, Size, Size, 1f, a, Size, b, Size, 0f,
                new float[Size * Size], Size);
        }
    }

    [Benchmark(Baseline = true, Description = "48 GEMMs one by one, 1 thread")]
    public void Sequential()
    {
        foreach (GemmBatchItem item in _items)
        {
            BFloat16Gemm.MultiplyBatch([item], _one);
        }
    }

    [Benchmark(Description = "48 GEMMs as one batch, 2 threads")]
    public void Batch() => BFloat16Gemm.MultiplyBatch(_items, _two);
}
