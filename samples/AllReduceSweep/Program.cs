// AllReduceSweep: an nccl-tests-style all-reduce sweep on CloudMatrix384, every algorithm timed on the modelled
// network for two groups (the 8 NPUs of one node and all 384), then one size run on real data for every algorithm
// and checked against the exact sum within the documented bound.
// Run: dotnet run -c Release --project samples/AllReduceSweep
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Topology;

SystemSpec system = Systems.CloudMatrix384();
const CollectiveOperation op = CollectiveOperation.AllReduce;
IReadOnlyList<CollectiveAlgorithm> algorithms = Collective.SupportedAlgorithms(system, op);

foreach (int ranks in new[] { 8, system.DeviceCount })
{
    var options = new CollectiveOptions { Group = [.. Enumerable.Range(0, ranks)] };
    Console.WriteLine($"{Collective.OperationName(op)} over {ranks} NPUs of {system.Name}, BF16, busbw in GB/s (simulated):");
    Console.WriteLine($"  {"size",9} " + string.Join(" ", algorithms.Select(a => $"{Collective.Name(a),18}")) + "  fastest");
    for (long bytes = 1 << 10; bytes <= 1L << 28; bytes <<= 3)
    {
        long elements = bytes / Collective.ElementBytes(CollectiveDataType.Bf16);
        CollectiveTiming[] cells = [.. algorithms.Select(a => Collective.Estimate(system, op, elements, CollectiveDataType.Bf16, a, options))];
        CollectiveTiming fastest = cells.MinBy(t => t.SimulatedSeconds)!;
        Console.WriteLine($"  {ByteSize.FormatBinary(bytes),9} " + string.Join(" ", cells.Select(t => $"{t.BusBandwidthGBps,18:F1}")) +
            $"  {Collective.Name(fastest.Algorithm)} ({fastest.SimulatedSeconds * 1e6:F1} us)");
    }
}

// Real data: 256 KiB of BF16 per rank on one node, every algorithm, checked element by element against the exact
// (FP64) sum within the bound Collective documents.
const int n = 8, length = 1 << 17;
var group = new CollectiveOptions { Group = [.. Enumerable.Range(0, n)] };
float[][] inputs = CollectiveVerification.RandomInputs(CollectiveDataType.Bf16, n, length, seed: 100);
long totalWrong = 0;
Console.WriteLine($"real data, {ByteSize.FormatBinary(length * 2L)} BF16 per rank over {n} NPUs:");
foreach (CollectiveAlgorithm algorithm in algorithms)
{
    var (timing, wrong) = CollectiveVerification.RunChecked(system, op, inputs, CollectiveDataType.Bf16, algorithm, group);
    totalWrong += wrong;
    Console.WriteLine($"  {Collective.Name(algorithm),-18} {timing.SimulatedSeconds * 1e6,8:F2} us  {wrong} wrong of {(long)n * length}");
}

Console.WriteLine(totalWrong == 0 ? "every algorithm within the documented bound" : $"{totalWrong} elements outside the bound");
return totalWrong == 0 ? 0 : 1;
