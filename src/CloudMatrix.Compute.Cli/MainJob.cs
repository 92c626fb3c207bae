using System.CommandLine;
using System.Diagnostics;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli;

/// <summary>
/// <c>cmx</c> with no verb: the main job. One BF16 matrix multiplication <c>C = A·B</c> sharded over the 384 NPUs of
/// the CloudMatrix384 preset as a (dp = 48 nodes) × (tp = 8 NPUs of a node) mesh, row-parallel in the Megatron sense:
/// A's rows are split across dp, the shared dimension K across tp. Every NPU runs its real GEMM on the chosen backend
/// (BF16 partial product, FP32 accumulation), each node all-reduces its 8 partials with a real collective (BF16 on the
/// wire, as the libraries do), and the result is spot-checked against an FP64 reference on the same BF16 inputs.
/// The same plan is timed on the modelled machine: per-NPU compute/HBM roofline, then the intra-node all-reduce on the
/// network model.
/// </summary>
/// <remarks>
/// Model assumptions: compute and all-reduce do not overlap; the 48 node all-reduces run at once on disjoint nodes,
/// whose L1 switches they do not share, so one node's simulated time is the step's; the roofline reads A's and B's
/// shards once and writes the BF16 partial once.
/// </remarks>
internal static class MainJob
{
    private const int Dp = 48;
    private const int Tp = 8;
    private const int SpotRowsPerNode = 1;

    private static readonly Option<int> SizeOption = new("--size")
    {
        Description = "M = N = K of the product; a multiple of 48 (dp) and of 8 (tp), i.e. of 48.",
        DefaultValueFactory = _ => 3072,
    };

    private static readonly Option<string> BackendOption = new("--backend")
    {
        Description = "Compute backend of the per-NPU GEMMs: auto, cpu-simd, ilgpu-cpu, cuda, opencl.",
        DefaultValueFactory = _ => "auto",
    };

    private static readonly Option<bool> EstimateOption = new("--estimate")
    {
        Description = "Timing only: simulate the plan without running any GEMM or collective on real data.",
    };

    /// <summary>Adds the main job's options to the root command and makes it the root's action.</summary>
    public static void Attach(RootCommand root, CliContext context)
    {
        root.Options.Add(SizeOption);
        root.Options.Add(BackendOption);
        root.Options.Add(EstimateOption);
        root.SetAction(parse => Run(
            context,
            parse.GetValue(SizeOption),
            parse.GetValue(BackendOption) ?? "auto",
            parse.GetValue(EstimateOption),
            parse.GetValue(CliContext.JsonOption)));
    }

    /// <summary>Runs the main job and returns the exit code.</summary>
    public static int Run(CliContext context, int size, string backendName, bool estimateOnly, bool json)
    {
        if (size < Dp || size % Dp != 0)
        {
            throw new CliUsageException($"--size is {size}; it must be a positive multiple of 48 (dp = 48 row blocks, tp = 8 K blocks), e.g. 768, 3072 or 6144.");
        }

        TextWriter human = context.Human(json);
        SystemSpec system = Systems.CloudMatrix384();
        int m = size, n = size, k = size;
        int mb = m / Dp, kb = k / Tp;

        // Timed half: per-NPU roofline of its GEMM shard, then the node's all-reduce of BF16 partials.
        NpuSpec npu = system.Npu;
        double shardFlops = 2.0 * mb * n * kb;
        double shardBytes = 2.0 * (((double)mb * kb) + ((double)kb * n) + ((double)mb * n));
        double computeSeconds = Math.Max(shardFlops / npu.Bf16FlopsPerSecond, shardBytes / npu.HbmBytesPerSecond);
        string computeBound = shardFlops / npu.Bf16FlopsPerSecond >= shardBytes / npu.HbmBytesPerSecond ? "compute" : "HBM";
        var nodeGroup = Enumerable.Range(0, Tp).ToArray();
        var groupOptions = new CollectiveOptions { Group = nodeGroup };
        CollectiveTiming commTiming = Collectives.Collectives.Estimate(system, CollectiveOperation.AllReduce, (long)mb * n, CollectiveDataType.Bf16,
            CollectiveAlgorithm.Auto, groupOptions);

        human.WriteLine($"CloudMatrix.Compute main job on {system.Name}: C = A·B, BF16, M = N = K = {size}");
        human.WriteLine($"  mesh dp = {Dp} nodes x tp = {Tp} NPUs; row-parallel: each NPU multiplies a {mb} x {kb} block of A by a {kb} x {n} block of B,");
        human.WriteLine($"  then each node all-reduces its {Tp} partial sums ({mb} x {n} BF16, {FormatBytes((double)mb * n * 2)} per NPU).");

        RealRun? real = null;
        if (!estimateOnly)
        {
            real = Execute(human, system, size, backendName, groupOptions, commTiming.Algorithm);
        }

        double stepSeconds = computeSeconds + commTiming.SimulatedSeconds;
        double totalFlops = 2.0 * m * n * k;
        human.WriteLine();
        human.WriteLine("Simulated time on the modelled CloudMatrix384 (not this host's time):");
        human.WriteLine($"  per-NPU GEMM   {computeSeconds * 1e6,10:F1} us  ({computeBound}-bound roofline: {shardFlops / 1e9:F2} GFLOP at {npu.Bf16FlopsPerSecond / 1e12:F1} TFLOP/s, {FormatBytes(shardBytes)} at {npu.HbmBytesPerSecond / 1e12:F1} TB/s)");
        human.WriteLine($"  all-reduce     {commTiming.SimulatedSeconds * 1e6,10:F1} us  ({commTiming.Algorithm}, busbw {commTiming.BusBandwidthGBps:F1} GB/s; {commTiming.Reason})");
        human.WriteLine($"  step           {stepSeconds * 1e6,10:F1} us  ({totalFlops / stepSeconds / 1e15:F1} PFLOP/s achieved of {system.DeviceCount * npu.Bf16FlopsPerSecond / 1e15:F1} peak; communication {100 * commTiming.SimulatedSeconds / stepSeconds:F0}% of the step)");
        if (real is not null)
        {
            human.WriteLine();
            human.WriteLine($"Real run on this host ({real.Backend}):");
            human.WriteLine($"  {Dp * Tp} GEMMs      {real.GemmHostSeconds,8:F3} s host time ({totalFlops / real.GemmHostSeconds / 1e9:F1} GFLOP/s)");
            human.WriteLine($"  {Dp} all-reduces {real.CollectiveHostSeconds,8:F3} s host time");
            // Relative error per element is meaningless where C crosses zero, so the scale is C's largest magnitude.
            human.WriteLine($"  C vs an FP64 product of the same BF16 inputs, {real.Error.Count:N0} spot-checked elements ({Dp * SpotRowsPerNode} rows):");
            human.WriteLine($"    max abs error {real.Error.MaxAbsoluteError:E2} = {real.Error.MaxAbsoluteError / real.MaxAbsReference:P2} of max |C| ({real.MaxAbsReference:F2}); " +
                "BF16 partials, rounded again at every all-reduce hop");
        }
        else
        {
            human.WriteLine("(--estimate: no real data was computed)");
        }

        if (json)
        {
            context.WriteJson(new
            {
                System = system.Name,
                M = m,
                N = n,
                K = k,
                Mesh = new { Dp, Tp },
                Strategy = "row_parallel",
                Simulated = new
                {
                    ComputeSeconds = computeSeconds,
                    ComputeBound = computeBound,
                    AllReduceSeconds = commTiming.SimulatedSeconds,
                    AllReduceAlgorithm = commTiming.Algorithm,
                    AllReduceBusbwGbps = commTiming.BusBandwidthGBps,
                    StepSeconds = stepSeconds,
                    AchievedPflops = totalFlops / stepSeconds / 1e15,
                },
                Host = real is null ? null : new
                {
                    real.Backend,
                    real.GemmHostSeconds,
                    real.CollectiveHostSeconds,
                    SpotCheckedElements = real.Error.Count,
                    MaxAbsError = real.Error.MaxAbsoluteError,
                    MaxAbsReference = real.MaxAbsReference,
                    MaxRelError = real.Error.MaxRelativeError,
                    MaxBf16Ulp = real.Error.MaxBFloat16UlpDistance,
                },
            });
        }

        return CmxApp.ExitOk;
    }

    private sealed record RealRun(string Backend, double GemmHostSeconds, double CollectiveHostSeconds, ErrorReport Error, double MaxAbsReference);

    private static RealRun Execute(TextWriter human, SystemSpec system, int size, string backendName, CollectiveOptions groupOptions, CollectiveAlgorithm algorithm)
    {
        int m = size, n = size, k = size;
        int mb = m / Dp, kb = k / Tp;

        // Host memory: A and B (BF16), every NPU's partial and its all-reduced copy (BF16), the reference rows (FP64).
        long needBytes = (2L * m * k) + (2L * k * n) + (2L * 2L * Dp * Tp * mb * n) + (8L * Dp * SpotRowsPerNode * n);
        long budgetBytes = (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.75);
        if (needBytes > budgetBytes)
        {
            throw new CliUsageException(
                $"--size {size} needs {FormatBytes(needBytes)} of host memory but the budget is {FormatBytes(budgetBytes)} (75% of what this process may use); " +
                "use a smaller --size or --estimate for timing only.");
        }

        using ComputeBackend backend = ComputeBackend.Create(backendName);
        human.WriteLine($"  backend: {backend.Name} ({backend.DeviceName}){(backend.SelectionReason is null ? "" : $"; {backend.SelectionReason}")}");
        human.WriteLine($"  host memory needed: {FormatBytes(needBytes)}");

        DenseTensor<BFloat16> a = DenseTensor.Random<BFloat16>([m, k], seed: 1);
        DenseTensor<BFloat16> b = DenseTensor.Random<BFloat16>([k, n], seed: 2);

        // Functional half, 1: every NPU's GEMM. For node i the 8 NPUs' A blocks sit kb apart in A's rows, their B
        // blocks kb rows apart in B, and their partials one after another: one strided batched call per node.
        var clock = Stopwatch.StartNew();
        using DeviceBuffer<BFloat16> aDevice = backend.Allocate<BFloat16>(a.Length);
        using DeviceBuffer<BFloat16> bDevice = backend.Allocate<BFloat16>(b.Length);
        using DeviceBuffer<BFloat16> partials = backend.Allocate<BFloat16>(Tp * mb * n);
        aDevice.CopyFrom(a.Span);
        bDevice.CopyFrom(b.Span);
        var nodeBuffers = new BFloat16[Dp][][];
        for (int node = 0; node < Dp; node++)
        {
            // A's block of node `node` starts at row node*mb; within it NPU t reads columns t*kb .. t*kb+kb.
            using DeviceBuffer<BFloat16> aNode = backend.Allocate<BFloat16>(mb * k);
            backend.Copy(aDevice, node * mb * k, aNode, 0, mb * k);
            backend.GemmBatched(GemmTranspose.None, GemmTranspose.None, mb, n, kb, 1f,
                aNode, k, kb, bDevice, n, (long)kb * n, 0f, partials, n, (long)mb * n, Tp);
            nodeBuffers[node] = new BFloat16[Tp][];
            for (int t = 0; t < Tp; t++)
            {
                var shard = new BFloat16[mb * n];
                partials.CopyTo(shard, t * mb * n);
                nodeBuffers[node][t] = shard;
            }
        }

        backend.Synchronize();
        double gemmSeconds = clock.Elapsed.TotalSeconds;

        // Functional half, 2: each node's all-reduce on real BF16 buffers (partial sums rounded to BF16 per hop), with
        // the algorithm the timed half chose, so both halves describe the same run.
        clock.Restart();
        var c = new BFloat16[m * n];
        for (int node = 0; node < Dp; node++)
        {
            var options = groupOptions with { Group = Enumerable.Range(node * Tp, Tp).ToArray() };
            CollectiveResult<BFloat16> reduced = Collectives.Collectives.AllReduce(system, nodeBuffers[node], algorithm, options);
            reduced.Outputs[0].CopyTo(c, node * mb * n);
        }

        double collectiveSeconds = clock.Elapsed.TotalSeconds;

        // Spot check: one row of C per node against an FP64 product of the same BF16 inputs.
        var actual = new BFloat16[Dp * SpotRowsPerNode * n];
        var reference = new double[actual.Length];
        Span<BFloat16> aSpan = a.Span, bSpan = b.Span;
        for (int node = 0; node < Dp; node++)
        {
            int row = (node * mb) + (node % mb); // a different position in each node's block
            Span<double> refRow = reference.AsSpan(node * n, n);
            for (int p = 0; p < k; p++)
            {
                double av = aSpan[(row * k) + p];
                if (av == 0)
                {
                    continue;
                }

                for (int j = 0; j < n; j++)
                {
                    refRow[j] += av * bSpan[(p * n) + j];
                }
            }

            c.AsSpan(row * n, n).CopyTo(actual.AsSpan(node * n, n));
        }

        ErrorReport error = ErrorMetrics.Compare<BFloat16>(actual, reference);
        double maxAbsReference = reference.Max(Math.Abs);
        return new RealRun($"{backend.Name}: {backend.DeviceName}", gemmSeconds, collectiveSeconds, error, maxAbsReference);
    }

    private static string FormatBytes(double bytes) => bytes switch
    {
        >= 1e9 => $"{bytes / 1e9:F2} GB",
        >= 1e6 => $"{bytes / 1e6:F2} MB",
        >= 1e3 => $"{bytes / 1e3:F1} kB",
        _ => $"{bytes:F0} B",
    };
}
