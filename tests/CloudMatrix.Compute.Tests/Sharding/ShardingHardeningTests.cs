using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Sharding;

/// <summary>
/// Regression tests of what the sharding API fuzz run found (docs/errors.md): each bad or extreme input is a documented
/// exception naming the parameter, or a correct result; never an overflow, a wrapped figure or an unbounded loop.
/// </summary>
public class ShardingHardeningTests
{
    private static readonly SystemSpec Cm384 = Systems.CloudMatrix384();

    [Fact]
    public void UnevenRowsNear2Pow31_TileTheMatrix_WithNoNegativeExtent()
    {
        // torch.chunk of 2^31 - 1 rows into 384: ceil((2^31 - 1) / 384) = 5,592,406 rows each; the last shard holds
        // 2^31 - 1 - 383 x 5,592,406 = 5,592,149. The ceiling once overflowed an int and gave negative extents.
        DeviceMesh mesh = DeviceMesh.Create(Cm384, [("x", 384)]);
        var layout = new TensorSharding("A", int.MaxValue, 1, mesh, PartitionSpec.P("x", null), uneven: true);
        Assert.Equal(new ShardExtent(0, 5_592_406, 0, 1), layout.Extent(0));
        Assert.Equal(new ShardExtent(383 * 5_592_406, 5_592_149, 0, 1), layout.Extent(383));
        Assert.Equal((long)int.MaxValue, Enumerable.Range(0, 384).Sum(p => (long)layout.Extent(p).Rows));
        Assert.Equal((384L * 5_592_406) - int.MaxValue, layout.PaddingElements);
    }

    [Fact]
    public void NearestSizesThatDivide_AreNeverBeyondAnInt()
    {
        // 2^31 - 1 over 384: 2,147,483,520 divides; the next multiple, 2,147,483,904, is no dimension (it wrapped negative).
        DeviceMesh mesh = DeviceMesh.Create(Cm384, [("x", 384)]);
        var ex = Assert.Throws<ArgumentException>(() => new TensorSharding("A", int.MaxValue, 1, mesh, PartitionSpec.P("x", null)));
        Assert.Equal("rows", ex.ParamName);
        Assert.Contains("nearest sizes that divide: 2147483520.", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("-2147483392", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeShapeOnOneDevice_SaturatesItsMemoryFigures_NeverWrapsNegative()
    {
        // One device holds A, B and C whole: 2 (3 x (2^31 - 1)^2) bytes > 2^63, so the figures saturate.
        DeviceMesh mesh = DeviceMesh.Create(ShardingTestData.IdealSystem(1), [("x", 1)]);
        MatMulPlan plan = MatMul.Plan(mesh, int.MaxValue, int.MaxValue, int.MaxValue, Strategy.Rows, new MatMulOptions { Uneven = true });
        Assert.Equal(long.MaxValue, plan.HostBytes);
        Assert.Equal(long.MaxValue, plan.MemoryPerDeviceBytes);
        Assert.Equal(0, plan.PaddingWasteBytes);
    }

    [Fact]
    public void MeshOfHugeAxes_SaysMoreThan2Pow40Positions_NotAWrappedCount()
    {
        var ex = Assert.Throws<ArgumentException>(() => DeviceMesh.Parse(Cm384, "dp=2147483647,tp=2147483647,x=2147483647"));
        Assert.Equal("text", ex.ParamName);
        Assert.Contains("has more than 2^40 positions", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, 0, "position")]
    [InlineData(384, 0, "position")]
    [InlineData(0, 2, "axis")]
    [InlineData(0, -1, "axis")]
    public void CoordinateOutsideTheMesh_IsOutOfRange(int position, int axis, string parameter)
    {
        DeviceMesh mesh = DeviceMesh.Create(Cm384, [("dp", 48), ("tp", 8)]);
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(() => mesh.Coordinate(position, axis)).ParamName);
    }

    [Theory]
    [InlineData("{partial: 1x}")]
    [InlineData("x,{partial: 1}")]
    [InlineData("x+None,")]
    public void SpecWithAPartialOrGroupThatIsNoAxisName_IsAFormatError(string text) =>
        Assert.Throws<FormatException>(() => PartitionSpec.Parse(text));

    [Fact]
    public void NoneInParentheses_IsReplicated_SoTheSpecReparsesToItself()
    {
        PartitionSpec spec = PartitionSpec.Parse("(None),x");
        Assert.Equal(PartitionSpec.P(null, "x"), spec);
        Assert.Equal(spec, PartitionSpec.Parse(spec.ToCliString()));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65)]
    [InlineData(int.MaxValue)]
    public void SpecRankOutOfRange_IsRefused_NotAHugeAllocation(int rank)
    {
        Assert.Equal("rank", Assert.Throws<ArgumentOutOfRangeException>(() => PartitionSpec.Parse("", rank)).ParamName);
        Assert.Equal("rank", Assert.Throws<ArgumentOutOfRangeException>(() => PartitionSpec.Replicated(rank)).ParamName);
    }

    [Fact]
    public void KSplitDifferently_WithAnAxisOnBothKAndN_NamesBSpec()
    {
        // The hint b_spec would use 'tp' twice; building it once threw from P(...) with parameter 'dims'.
        DeviceMesh mesh = DeviceMesh.Create(Cm384, [("dp", 48), ("tp", 8)]);
        var ex = Assert.Throws<ArgumentException>(() => MatMul.Plan(mesh, 768, 768, 768, PartitionSpec.P("dp", "tp"), PartitionSpec.P("dp", "tp")));
        Assert.Equal("bSpec", ex.ParamName);
        Assert.Contains("contracting dimension K", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CollectiveAlgorithm.Hierarchical)]
    [InlineData(CollectiveAlgorithm.InSwitch)]
    [InlineData((CollectiveAlgorithm)99)]
    public void ReduceAlgorithmThatIsNoReduction_IsRefusedAtPlanning(CollectiveAlgorithm algorithm)
    {
        // Once accepted, then thrown from the collective timer (parameter 'algorithm') when the plan was estimated.
        DeviceMesh mesh = DeviceMesh.Create(Cm384, [("dp", 48), ("tp", 8)]);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => MatMul.Plan(mesh, 768, 768, 768, Strategy.RowParallelReduceScatter, new MatMulOptions { ReduceAlgorithm = algorithm }));
        Assert.Equal("options", ex.ParamName);
    }

    [Theory]
    [InlineData("summa", "x=48,y=4,z=2")]
    [InlineData("cannon", "dp=48,tp=8")]
    [InlineData("3d", "dp=48,tp=8")]
    public void StrategyThatCannotUseTheMesh_NamesMesh(string strategy, string meshText)
    {
        DeviceMesh mesh = DeviceMesh.Parse(Cm384, meshText);
        Assert.Equal("mesh", Assert.Throws<ArgumentException>(() => MatMul.Plan(mesh, 768, 768, 768, Strategy.Parse(strategy))).ParamName);
    }

    [Fact]
    public void ShapeThatDoesNotDivide_NamesTheDimension()
    {
        DeviceMesh mesh = DeviceMesh.Create(Cm384, [("dp", 48), ("tp", 8)]);
        Assert.Equal("k", Assert.Throws<ArgumentException>(() => MatMul.Plan(mesh, 768, 768, 769, Strategy.RowParallel)).ParamName);
        Assert.Equal("m", Assert.Throws<ArgumentException>(() => MatMul.Plan(mesh, 769, 768, 768, Strategy.RowParallel)).ParamName);
    }

    [Fact]
    public void SpotCheckOfMoreTilesThanCCovers_ChecksEveryElementOnce()
    {
        // 2^31 - 1 tiles once filled a list of 16 rows per tile until the process was killed; 8 x 8 has 64 elements.
        SystemSpec system = ShardingTestData.IdealSystem(8);
        MatMulPlan plan = MatMul.Plan(DeviceMesh.Create(system, [("x", 8)]), 8, 8, 8, Strategy.Rows);
        using ComputeBackend cpu = ComputeBackend.Create("cpu-simd");
        using MatMulRun run = plan.Execute(ShardingTestData.Random(8, 8, 1), ShardingTestData.Random(8, 8, 2), cpu, new ExecuteOptions { SpotCheckTiles = int.MaxValue });
        Assert.Equal(64, run.Report.Numerics!.CheckedElements);
        Assert.True(run.Report.Verified);
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, -1)]
    public void NegativeExecuteOptions_AreRefused_NotTakenAsTheDefault(int tiles, long budget)
    {
        SystemSpec system = ShardingTestData.IdealSystem(2);
        MatMulPlan plan = MatMul.Plan(DeviceMesh.Create(system, [("x", 2)]), 4, 4, 4, Strategy.Rows);
        using ComputeBackend cpu = ComputeBackend.Create("cpu-simd");
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => plan.Execute(
            ShardingTestData.Random(4, 4, 1), ShardingTestData.Random(4, 4, 2), cpu, new ExecuteOptions { SpotCheckTiles = tiles, MemoryBudgetBytes = budget }));
        Assert.Equal("options", ex.ParamName);
    }

    [Theory]
    [InlineData(0, 8, 8, "m")]
    [InlineData(8, -1, 8, "n")]
    [InlineData(8, 8, 0, "k")]
    public void PlannerRankWithASizeBelowOne_IsRefused_NamingIt(int m, int n, int k, string name)
    {
        // It returned an empty ranking, every candidate refused for the same reason.
        var system = TopologyBuilder.SingleSwitch(8, 50e9, 1e-6);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Planner.Rank(system, m, n, k));
        Assert.Equal(name, ex.ParamName);
        Assert.Contains("at least 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlannerRankWithBadTimingOptions_IsRefused_Directly()
    {
        // An efficiency out of range surfaced as an AggregateException from the parallel estimates; a null Timing or
        // strategy as an empty ranking.
        var system = TopologyBuilder.SingleSwitch(8, 50e9, 1e-6);
        var efficiency = Assert.Throws<ArgumentOutOfRangeException>(() => Planner.Rank(system, 64, 64, 64, new PlannerOptions { Timing = new Timing.TimingOptions { ComputeEfficiency = 2 } }));
        Assert.Equal("ComputeEfficiency", efficiency.ParamName);
        Assert.Contains("(0, 1]", efficiency.Message, StringComparison.Ordinal);
        var timing = Assert.Throws<ArgumentNullException>(() => Planner.Rank(system, 64, 64, 64, new PlannerOptions { Timing = null! }));
        Assert.Equal("options", timing.ParamName);
        Assert.Contains("options.Timing is null", timing.Message, StringComparison.Ordinal);
        var strategy = Assert.Throws<ArgumentException>(() => Planner.Rank(system, 64, 64, 64, new PlannerOptions { Strategies = [Strategy.Rows, null!] }));
        Assert.Equal("options", strategy.ParamName);
        Assert.Contains("options.Strategies[1] is null", strategy.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PositionsAndDimensionsOutOfRange_AreRefused_WithTheValidRange()
    {
        // These were IndexOutOfRangeException from the arrays inside.
        var system = TopologyBuilder.SingleSwitch(8, 50e9, 1e-6);
        var mesh = system.Mesh(("x", 8));
        var spec = PartitionSpec.P("x", null);
        var dim = Assert.Throws<ArgumentOutOfRangeException>(() => spec.Parts(mesh, 2));
        Assert.Equal("dim", dim.ParamName);
        Assert.Contains("valid: 0..1", dim.Message, StringComparison.Ordinal);
        var layout = new TensorSharding("a", 8, 8, mesh, spec);
        var position = Assert.Throws<ArgumentOutOfRangeException>(() => layout.Extent(8));
        Assert.Equal("position", position.ParamName);
        Assert.Contains("valid: 0..7", position.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => layout.Extent(-1));
        Assert.Equal(8, spec.Parts(mesh, 0));
    }
}
