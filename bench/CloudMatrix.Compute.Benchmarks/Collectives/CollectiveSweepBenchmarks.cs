using BenchmarkDotNet.Attributes;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Benchmarks.Collectives;

using CollectiveOps = CloudMatrix.Compute.Collectives.Collective;

/// <summary>
/// Timing-only sweep on the CloudMatrix384 preset, 384 devices: 30 sizes (8 B to 4 GiB, factor 2.1) x 5 all-reduce
/// algorithms, from a cold start each time (a fresh system, so no timing plan is cached).
/// </summary>
[SimpleJob(warmupCount: 1, iterationCount: 3, invocationCount: 1)]
public class CollectiveSweepBenchmarks
{
    private static readonly CollectiveAlgorithm[] Algorithms =
    [
        CollectiveAlgorithm.Ring, CollectiveAlgorithm.BidirectionalRing, CollectiveAlgorithm.HalvingDoubling,
        CollectiveAlgorithm.Direct, CollectiveAlgorithm.Hierarchical,
    ];

    [Benchmark]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "BenchmarkDotNet needs an instance method.")]
    public double Sweep30Sizes5Algorithms384Devices()
    {
        SystemSpec system = Systems.CloudMatrix384();
        double sum = 0;
        double bytes = 8;
        for (int i = 0; i < 30; i++, bytes *= 2.1)
        {
            long elements = (long)(bytes / 2);
            foreach (CollectiveAlgorithm algorithm in Algorithms)
            {
                sum += CollectiveOps.Estimate(system, CollectiveOperation.AllReduce, elements, CollectiveDataType.Bf16, algorithm).SimulatedSeconds;
            }
        }

        return sum;
    }
}
