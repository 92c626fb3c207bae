// AllReduceSweep: an nccl-tests-style all-reduce sweep on CloudMatrix384, every algorithm timed on the modelled
// network for two groups (the 8 NPUs of one node and all 384), then one size run on real data for every algorithm
// and checked against the exact sum within the documented bound.
// Run: dotnet run -c Release --project samples/AllReduceSweep
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

SystemSpec system = Systems.CloudMatrix384();
const CollectiveOperation op = CollectiveOperation.AllReduce;
IReadOnlyList<CollectiveAlgorithm> algorithms = Collectives.SupportedAlgorithms(system, op);

foreach (int ranks in new[] { 8, system.DeviceCount })
{
    var options = new CollectiveOptions { Group = [.. Enumerable.Range(0, ranks)] };
    Console.WriteLine($"{Collectives.OperationName(op)} over {ranks} NPUs of {system.Name}, BF16, busbw in GB/s (simulated):");
    Console.WriteLine($"  {"size",9} " + string.Join(" ", algorithms.Select(a => $"{Collectives.Name(a),18}")) + "  auto picks");
    for (long bytes = 1 << 10; bytes <= 1L << 30; bytes <<= 4)
    {
        long elements = bytes / Collectives.ElementBytes(CollectiveDataType.Bf16);
        var cells = algorithms.Select(a => Collectives.Estimate(system, op, elements, CollectiveDataType.Bf16, a, options).BusBandwidthGBps);
        CollectiveTiming auto = Collectives.Estimate(system, op, elements, CollectiveDataType.Bf16, CollectiveAlgorithm.Auto, options);
        Console.WriteLine($"  {ByteSize.FormatBinary(bytes),9} " + string.Join(" ", cells.Select(v => $"{v,18:F1}")) +
            $"  {Collectives.Name(auto.Algorithm)} ({auto.SimulatedSeconds * 1e6:F1} us)");
    }
}

// Real data: 256 KiB of BF16 per rank on one node, every algorithm, checked element by element.
const int n = 8, length = 1 << 17;
var group = new CollectiveOptions { Group = [.. Enumerable.Range(0, n)] };
float[][] inputs = [.. Enumerable.Range(0, n).Select(r => DenseTensor.Random<BFloat16>([length], (ulong)(100 + r)).ConvertTo<float>().Span.ToArray())];
double bound = CollectiveVerification.BoundFactor(n, wireBf16: true, outputBf16: true);
long totalWrong = 0;
Console.WriteLine($"real data, {ByteSize.FormatBinary(length * 2L)} BF16 per rank over {n} NPUs:");
foreach (CollectiveAlgorithm algorithm in algorithms)
{
    BFloat16[][] buffers = [.. inputs.Select(x => x.Select(v => (BFloat16)v).ToArray())];
    CollectiveResult<BFloat16> result = Collectives.AllReduce(system, buffers, algorithm, group);
    float[][] outputs = [.. result.Outputs.Select(x => x.Select(v => (float)v).ToArray())];
    long wrong = CollectiveVerification.CountWrong(op, 0, inputs, outputs, bound);
    totalWrong += wrong;
    Console.WriteLine($"  {Collectives.Name(algorithm),-18} {result.Timing.SimulatedSeconds * 1e6,8:F2} us  {wrong} wrong of {(long)n * length}");
}

Console.WriteLine(totalWrong == 0 ? "every algorithm within the documented bound" : $"{totalWrong} elements outside the bound");
return totalWrong == 0 ? 0 : 1;
