using BenchmarkDotNet.Attributes;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Benchmarks.Collectives;

using CollectiveOps = CloudMatrix.Compute.Collectives.Collective;

/// <summary>
/// Real-data ring all-reduce of 1 MiB of FP32 per device over 384 devices, against the time the minimum memory
/// traffic of that all-reduce needs on this host: every input read once and every output written once is exactly a
/// copy of 384 MiB, measured in the same run (Buffer.MemoryCopy, one thread and both threads).
/// </summary>
[SimpleJob(warmupCount: 2, iterationCount: 7)]
[MemoryDiagnoser]
public class RingAllReduceBenchmarks
{
    private const int Ranks = 384;
    private const int Elements = 1 << 18;   // 1 MiB of FP32 per device
    private float[][] _inputs = [];
    private float[][] _outputs = [];
    private byte[] _copySource = [];
    private byte[] _copyDestination = [];
    private SystemSpec _system = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _inputs = [.. Enumerable.Range(0, Ranks).Select(_ => Enumerable.Range(0, Elements).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray())];
        _outputs = [.. Enumerable.Range(0, Ranks).Select(_ => new float[Elements])];
        _copySource = new byte[(long)Ranks * Elements * 4];
        _copyDestination = new byte[_copySource.Length];
        random.NextBytes(_copySource);
        _copyDestination.AsSpan().Fill(1);
        _system = Systems.CloudMatrix384();
        _ = CollectiveOps.AllReduce(_system, _inputs, CollectiveAlgorithm.Ring);   // plans the timing once
    }

    /// <summary>Peer: copying n x S bytes (read once, write once) with one thread.</summary>
    [Benchmark(Baseline = true)]
    public unsafe void MemoryCopy384MiB_OneThread()
    {
        fixed (byte* s = _copySource)
        fixed (byte* d = _copyDestination)
        {
            Buffer.MemoryCopy(s, d, _copyDestination.Length, _copySource.Length);
        }
    }

    /// <summary>Peer: the same copy split over both host threads.</summary>
    [Benchmark]
    public void MemoryCopy384MiB_AllThreads()
    {
        int parts = Environment.ProcessorCount;
        long chunk = (_copySource.LongLength + parts - 1) / parts;
        Parallel.For(0, parts, p =>
        {
            long start = p * chunk;
            long count = Math.Min(chunk, _copySource.LongLength - start);
            unsafe
            {
                fixed (byte* s = &_copySource[start])
                fixed (byte* d = &_copyDestination[start])
                {
                    Buffer.MemoryCopy(s, d, count, count);
                }
            }
        });
    }

    /// <summary>The ring all-reduce's real-data half (the ring's order, FP32), into preallocated outputs.</summary>
    [Benchmark]
    public void RingAllReduce384x1MiB_Data() =>
        RingAllReduceKernel.Run(_inputs, _outputs, roundWire: false, TensorPrimitivesHostReducer.Instance);

    /// <summary>The public call in place: real data plus the simulated timing (timing plan cached), no allocation.</summary>
    /// <remarks>The sums grow every call (and may reach infinity); the work per element does not depend on the values.</remarks>
    [Benchmark]
    public double RingAllReduce384x1MiB_PublicInPlace() =>
        CollectiveOps.AllReduce(_system, _inputs, CollectiveAlgorithm.Ring, new CollectiveOptions { InPlace = true }).Timing.SimulatedSeconds;

    /// <summary>The public call: real data plus the simulated timing (timing plan cached), outputs allocated.</summary>
    [Benchmark]
    public double RingAllReduce384x1MiB_Public() =>
        CollectiveOps.AllReduce(_system, _inputs, CollectiveAlgorithm.Ring).Timing.SimulatedSeconds;
}
