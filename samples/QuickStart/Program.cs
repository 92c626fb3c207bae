// QuickStart: the library's two halves in one page. Run: dotnet run --project samples/QuickStart -c Release
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

// The modelled machine: 384 Ascend 910C NPUs behind a two-tier UB switch fabric.
SystemSpec system = Systems.CloudMatrix384();
SystemSummary summary = system.Summarize();
Console.WriteLine($"{system.Name}: {summary.Devices} NPUs, {summary.Bf16Pflops:F0} PFLOPS BF16, {summary.HbmTb:F1} TB HBM, {summary.OpticalTransceivers:N0} optical transceivers");

// Real numerics: one NPU's GEMM shard, run on the fastest backend this host has.
const int m = 256, n = 512, k = 1024;
DenseTensor<BFloat16> a = DenseTensor.Random<BFloat16>([m, k], seed: 1);
DenseTensor<BFloat16> b = DenseTensor.Random<BFloat16>([k, n], seed: 2);
var c = new float[m * n];
BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, m, n, k, 1f, a.Span, k, b.Span, n, 0f, c, n);

// Check it against the library's FP64 reference of the same BF16 inputs.
var reference = new double[m * n];
for (int i = 0; i < m; i++)
{
    for (int j = 0; j < n; j++)
    {
        reference[(i * n) + j] = GemmReference.Element(GemmTranspose.None, GemmTranspose.None, k, a.Span, k, b.Span, n, i, j).Value;
    }
}

ErrorReport error = ErrorMetrics.Compare<float>(c, reference);
Console.WriteLine($"GEMM {m}x{n}x{k} on {BFloat16Gemm.KernelName}: max abs error {error.MaxAbsoluteError:E2} vs FP64");

// Real collective + simulated time: the 8 NPUs of node 0 all-reduce their partial results.
var buffers = Enumerable.Range(0, 8).Select(r => DenseTensor.Random<float>([1 << 16], seed: (ulong)(10 + r)).Span.ToArray()).ToList();
CollectiveResult<float> result = Collective.AllReduce(system, buffers, CollectiveAlgorithm.Auto,
    new CollectiveOptions { Group = Enumerable.Range(0, 8).ToArray() });
Console.WriteLine($"all-reduce of 256 KiB over node 0: {result.Timing.Algorithm}, {result.Timing.SimulatedSeconds * 1e6:F2} us simulated, " +
    $"busbw {result.Timing.BusBandwidthGBps:F1} GB/s");

using ComputeBackend backend = ComputeBackend.Create("auto");
Console.WriteLine($"backend auto -> {backend.Name}: {backend.DeviceName}");

// The whole product sharded over all 384 NPUs as row-parallel with reduce-scatter on a 48 x 8 mesh (8192 rows over
// 48 is uneven: torch.chunk-style shards, the padding counted), timed on the model with no data moved.
// samples/PlanAndCompare lets the planner choose; samples/ShardingStrategies runs every strategy on real data.
DeviceMesh mesh = DeviceMesh.Parse(system, "dp=48,tp=8");
RunReport estimate = MatMul.Plan(mesh, 8192, 8192, 8192, Strategy.RowParallelReduceScatter, new MatMulOptions { Uneven = true }).Estimate();
Console.WriteLine($"8192^3 as {estimate.Strategy} on {estimate.Mesh}: {estimate.SimulatedSeconds * 1e6:F1} us simulated, {estimate.Pflops:F1} PFLOPS, " +
    $"{ByteSize.Format(estimate.BytesPerDevice)} sent and {ByteSize.Format(estimate.MemoryPerDeviceBytes)} held per device");
