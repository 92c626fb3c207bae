using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Sharding;

/// <summary>
/// Every strategy on meshes of 8, 48 and 384 devices gives C equal to the unsharded product: bit for bit where K is
/// not split, within the FP32-accumulation bound (checked against FP64) everywhere, and for a K split in exactly the
/// order of the ring the plan ran.
/// </summary>
public class StrategyNumericsTests
{
    public static TheoryData<int, string, string> Cases()
    {
        var data = new TheoryData<int, string, string>();
        void Add(int devices, string strategy, string mesh) => data.Add(devices, strategy, mesh);
        foreach (var (d, two, three, cube, square) in new[]
        {
            (8, "x=2,y=4", "x=2,y=2,z=2", "x=2,y=2,z=2", 2),
            (48, "x=6,y=8", "x=4,y=4,z=3", "x=2,y=4,z=6", 6),
            (384, "x=16,y=24", "x=8,y=8,z=6", "x=4,y=8,z=12", 16),
        })
        {
            foreach (string s in new[] { "rows", "columns", "row-parallel", "row-parallel-rs", "collective-matmul" }) Add(d, s, two);
            Add(d, "summa", two);
            Add(d, "2.5d", three);
            Add(d, "3d", cube);
            Add(d, "cannon", $"x={square},y={square}");
        }

        return data;
    }

    private static int Size(int devices) => devices switch { 8 => 96, 48 => 288, _ => 384 };

    private static SystemSpec SystemOf(int devices) => devices == 384 ? Systems.CloudMatrix384() : ShardingTestData.IdealSystem(devices);

    internal static DeviceMesh Mesh(SystemSpec system, string text)
    {
        var axes = text.Split(',').Select(p => (p.Split('=')[0], int.Parse(p.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        int count = axes.Aggregate(1, (acc, a) => acc * a.Item2);
        return DeviceMesh.Create(system, axes, count == system.DeviceCount ? null : Enumerable.Range(0, count).ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Strategy_EqualsUnshardedProduct(int devices, string strategy, string meshText)
    {
        int s = Size(devices);
        DeviceMesh mesh = Mesh(SystemOf(devices), meshText);
        MatMulPlan plan = MatMul.Plan(mesh, s, s, s, Strategy.Parse(strategy));
        var a = ShardingTestData.Random(s, s, 1);
        var b = ShardingTestData.Random(s, s, 2);
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        using MatMulRun run = plan.Execute(a, b, backend);
        NumericCheck check = run.Report.Numerics!;
        Assert.True(check.Verified, $"{strategy} on {mesh}: max abs error {check.MaxAbsError:E3}, {check.WorstBoundFraction:P0} of the bound, replicas identical {check.ReplicasIdentical}");
        Assert.True(check.FullCheck);

        bool splitsK = plan.Steps.OfType<Execution.CollectiveStep>().SelectMany(x => x.Calls)
            .Any(c => c.Operation is CollectiveOperation.AllReduce or CollectiveOperation.ReduceScatter)
            || strategy is "summa" or "cannon" or "2.5d";
        if (!splitsK)
        {
            BFloat16[] expected = ShardingTestData.Unsharded(a, b);
            BFloat16[] actual = run.C.ToDense().Span.ToArray();
            Assert.Equal(expected.Select(x => x.ToBits()), actual.Select(x => x.ToBits()));
        }
    }

    [Theory]
    [InlineData(CollectiveAlgorithm.Ring)]
    [InlineData(CollectiveAlgorithm.OneShot)]
    public void RowParallel_KSplitError_MatchesTheReductionOrderOfTheCollective(CollectiveAlgorithm algorithm)
    {
        const int m = 48, n = 40, k = 64, p = 8;
        var mesh = DeviceMesh.Create(ShardingTestData.IdealSystem(p), [("tp", p)]);
        MatMulPlan plan = MatMul.Plan(mesh, m, n, k, Strategy.RowParallel, new MatMulOptions { ReduceAlgorithm = algorithm });
        var a = ShardingTestData.Random(m, k, 3);
        var b = ShardingTestData.Random(k, n, 4);
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        using MatMulRun run = plan.Execute(a, b, backend);

        // Independent reference: each device's BF16 partial from the kernel, then the sums in the algorithm's order.
        int kb = k / p;
        var partials = new float[p][];
        for (int t = 0; t < p; t++)
        {
            var ab = new BFloat16[m * kb];
            for (int i = 0; i < m; i++) a.Span.Slice((i * k) + (t * kb), kb).CopyTo(ab.AsSpan(i * kb));
            var bb = b.Span.Slice(t * kb * n, kb * n).ToArray();
            var c = new BFloat16[m * n];
            Kernels.Gemm.BFloat16Gemm.Multiply(Kernels.Gemm.GemmTranspose.None, Kernels.Gemm.GemmTranspose.None, m, n, kb, 1f, ab, kb, bb, n, 0f, c, n);
            partials[t] = c.Select(x => (float)x).ToArray();
        }

        var expected = new BFloat16[m * n];
        for (int j = 0; j < p; j++)
        {
            var (off, count) = CloudMatrix.Compute.Collectives.Collective.Partition(m * n, p, j);
            for (int e = off; e < off + count; e++)
            {
                if (algorithm == CollectiveAlgorithm.Ring)
                {
                    // Chunk j starts at member j+1 and goes around the ring, rounded to BF16 at every hop.
                    float acc = partials[(j + 1) % p][e];
                    for (int s = 2; s <= p; s++) acc = (float)(BFloat16)(acc + partials[(j + s) % p][e]);
                    expected[e] = (BFloat16)acc;
                }
                else
                {
                    float acc = 0;
                    for (int t = 0; t < p; t++) acc += partials[t][e];
                    expected[e] = (BFloat16)acc;
                }
            }
        }

        Assert.Equal(expected.Select(x => x.ToBits()), run.C.ToDense().Span.ToArray().Select(x => x.ToBits()));
    }

    [Fact]
    public void Uneven_ShapesNotDividing_AreExactAndReportPaddingWaste()
    {
        var mesh = DeviceMesh.Create(ShardingTestData.IdealSystem(8), [("dp", 2), ("tp", 4)]);
        Assert.Throws<ArgumentException>(() => MatMul.Plan(mesh, 10, 7, 9, Strategy.Rows));
        MatMulPlan plan = MatMul.Plan(mesh, 10, 7, 9, Strategy.Rows, new MatMulOptions { Uneven = true });
        var a = ShardingTestData.Random(10, 9, 5);
        var b = ShardingTestData.Random(9, 7, 6);
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        using MatMulRun run = plan.Execute(a, b, backend);
        Assert.Equal(ShardingTestData.Unsharded(a, b).Select(x => x.ToBits()), run.C.ToDense().Span.ToArray().Select(x => x.ToBits()));
        // 10 rows over 8 devices: torch.chunk gives 2,2,2,2,2,0,0,0 -> the largest shard does 2 rows' work on each of 8.
        Assert.Equal(2.0 * 7 * 9 * ((8 * 2) - 10), run.Report.PaddingWasteFlops);
        Assert.True(run.Report.Verified);
    }

    [Theory]
    [InlineData("row-parallel")]
    [InlineData("row-parallel-rs")]
    [InlineData("collective-matmul")]
    [InlineData("columns")]
    [InlineData("3d")]
    public void Uneven_CollectivesOverNestedSplits_AreVerified(string strategy)
    {
        var mesh = DeviceMesh.Create(ShardingTestData.IdealSystem(8), strategy == "3d" ? [("x", 2), ("y", 2), ("z", 2)] : [("x", 2), ("y", 4)]);
        MatMulPlan plan = MatMul.Plan(mesh, 43, 29, 37, Strategy.Parse(strategy), new MatMulOptions { Uneven = true });
        var a = ShardingTestData.Random(43, 37, 12);
        var b = ShardingTestData.Random(37, 29, 13);
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        using MatMulRun run = plan.Execute(a, b, backend);
        Assert.True(run.Report.Verified, $"{strategy}: {run.Report.Numerics}");
        Assert.True(run.Report.PaddingWasteFlops > 0);
    }

    [Fact]
    public void Specs_EinsumRule_ContradictionsNameTheFix()
    {
        var mesh = DeviceMesh.Create(ShardingTestData.IdealSystem(8), [("dp", 2), ("tp", 4)]);
        var ex = Assert.Throws<ArgumentException>(() => MatMul.Plan(mesh, 64, 64, 64, PartitionSpec.P("dp", "tp"), PartitionSpec.P(null, null)));
        Assert.Contains("contracting dimension K", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => MatMul.Plan(mesh, 64, 64, 64, PartitionSpec.P("dp", null), PartitionSpec.P(null, "dp")));
        Assert.Contains("'dp' splits both", ex.Message);
        MatMulPlan ok = MatMul.Plan(mesh, 64, 64, 64, PartitionSpec.P("dp", "tp"), PartitionSpec.P("tp", null));
        Assert.Equal("bf16[64@dp, 64]", ok.C.ToString());
        Assert.Contains(ok.Steps.OfType<Execution.CollectiveStep>(), s => s.Calls.Any(c => c.Operation == CollectiveOperation.AllReduce));
        MatMulPlan rs = MatMul.Plan(mesh, 64, 64, 64, PartitionSpec.P("dp", "tp"), PartitionSpec.P("tp", null), PartitionSpec.P(new[] { "dp", "tp" }, null));
        Assert.Contains(rs.Steps.OfType<Execution.CollectiveStep>(), s => s.Calls.Any(c => c.Operation == CollectiveOperation.ReduceScatter));
    }

    [Fact]
    public void Strategy_ThatCannotUseTheMesh_SaysWhy()
    {
        var mesh = Systems.CloudMatrix384().Mesh(("dp", 48), ("tp", 8));
        var ex = Assert.Throws<ArgumentException>(() => MatMul.Plan(mesh, 768, 768, 768, Strategy.Cannon));
        Assert.Contains("square", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => MatMul.Plan(mesh, 768, 768, 768, Strategy.ThreeD));
        Assert.Contains("3-D mesh", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Strategy.Parse("diagonal"));
        Assert.Contains("summa", ex.Message);
    }

    [Fact]
    public void MemoryGuard_RefusesBeforeAllocating_NamingNeedBudgetAndWaysOut()
    {
        var mesh = Systems.CloudMatrix384().Mesh(("dp", 48), ("tp", 8));
        MatMulPlan plan = MatMul.Plan(mesh, 49152, 49152, 49152, Strategy.RowParallel);
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        long before = backend.AllocatedBytes;
        var ex = Assert.Throws<ArgumentException>(() => plan.Execute(new DenseTensor<BFloat16>(1, 1), new DenseTensor<BFloat16>(1, 1), backend));
        Assert.Contains("shape", ex.Message); // shapes are checked first
        var mem = Assert.Throws<PlanMemoryException>(() => plan.CheckMemory(backend, budgetBytes: 1L << 30));
        Assert.Contains("--estimate", mem.Message);
        Assert.Contains("the budget is 1.00 GiB (1,073,741,824 bytes)", mem.Message);
        Assert.True(mem.NeedBytes > mem.BudgetBytes);
        Assert.Equal(before, backend.AllocatedBytes);
    }
}
