using BenchmarkDotNet.Attributes;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Benchmarks.Sharding;

/// <summary>
/// Host time of the real run of a 384-device sharded product (the plan's steps on the backend: GEMMs and collectives,
/// what <c>host_execute_seconds</c> reports) against the unsharded GEMM of the same product on the same backend and
/// threads, in the same run. Target: at most 1.5x. 8192 does not divide over 48 or 384, so the 384-device plans use
/// uneven (torch.chunk) shards. Run: <c>dotnet run -c Release --project bench/CloudMatrix.Compute.Benchmarks -- --filter '*ShardedMatMul*'</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class ShardedMatMulBenchmarks
{
    private ComputeBackend _backend = null!;
    private DeviceBuffer<BFloat16> _a = null!, _b = null!, _c = null!;
    private MatMulPlan _plan = null!;
    private ShardedTensor _sa = null!, _sb = null!;

    /// <summary>M = N = K.</summary>
    [Params(8192)]
    public int Size { get; set; }

    /// <summary>The strategy of the sharded run (the baseline ignores it).</summary>
    [Params("rows", "row-parallel", "row-parallel-rs", "columns", "collective-matmul")]
    public string Strategy { get; set; } = "rows";

    [GlobalSetup]
    public void Setup()
    {
        _backend = ComputeBackend.Create("cpu-simd");
        var a = DenseTensor.Random<BFloat16>([Size, Size], seed: 1);
        var b = DenseTensor.Random<BFloat16>([Size, Size], seed: 2);
        _a = _backend.Allocate<BFloat16>(a.Length);
        _b = _backend.Allocate<BFloat16>(b.Length);
        _c = _backend.Allocate<BFloat16>(Size * Size);
        _a.CopyFrom(a.Span);
        _b.CopyFrom(b.Span);
        var mesh = Systems.CloudMatrix384().Mesh(("dp", 48), ("tp", 8));
        _plan = MatMul.Plan(mesh, Size, Size, Size, CloudMatrix.Compute.Sharding.Strategy.Parse(Strategy), new MatMulOptions { Uneven = true });
        _sa = ShardedTensor.Distribute(a, mesh, _plan.A.Spec, _backend, uneven: true);
        _sb = ShardedTensor.Distribute(b, mesh, _plan.B.Spec, _backend, uneven: true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sa.Dispose();
        _sb.Dispose();
        _backend.Dispose();
    }

    /// <summary>The unsharded product: one GEMM on the same backend.</summary>
    [Benchmark(Baseline = true)]
    public void Unsharded() =>
        _backend.Gemm(Kernels.Gemm.GemmTranspose.None, Kernels.Gemm.GemmTranspose.None, Size, Size, Size, 1f, _a, Size, _b, Size, 0f, _c, Size);

    /// <summary>The plan's steps on 384 virtual devices.</summary>
    [Benchmark]
    public void Sharded384()
    {
        using var state = new PlanState(_backend, _plan.Plan.Slots);
        state.Bind("A", _sa);
        state.Bind("B", _sb);
        PlanExecutor.Run(_plan.Plan, state);
    }
}
