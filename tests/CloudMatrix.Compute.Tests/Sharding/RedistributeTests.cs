using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Tests.Sharding;

/// <summary>Redistribute between every pair of per-axis placements {R, S(0), S(1), Partial} on a 2 x 4 mesh.</summary>
public class RedistributeTests
{
    private static readonly Placement[] Choices = [new Replicate(), new Shard(0), new Shard(1), new Partial()];

    public static IEnumerable<object[]> Specs()
    {
        foreach (Placement x in Choices)
        {
            foreach (Placement y in Choices) yield return [x, y];
        }
    }

    private static DeviceMesh Mesh() => DeviceMesh.Create(ShardingTestData.IdealSystem(8), [("x", 2), ("y", 4)]);

    [Theory]
    [MemberData(nameof(Specs))]
    public void Redistribute_EveryPair_RoundTripsBitExactly(Placement x, Placement y)
    {
        DeviceMesh mesh = Mesh();
        PartitionSpec from = PartitionSpec.FromPlacements(mesh, [x, y], 2);
        DenseTensor<BFloat16> dense = ShardingTestData.Random(16, 24, 7);
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        using ShardedTensor source = ShardedTensor.Distribute(dense, mesh, from, backend);
        ushort[] bits = dense.Span.ToArray().Select(v => v.ToBits()).ToArray();
        foreach (Placement tx in Choices)
        {
            foreach (Placement ty in Choices)
            {
                PartitionSpec to = PartitionSpec.FromPlacements(mesh, [tx, ty], 2);
                RedistributeResult there = source.Redistribute(to);
                using ShardedTensor moved = there.Tensor;
                Assert.Equal(to, moved.Spec);
                Assert.True(moved.Verify(dense).Ok, $"{from} -> {to}: {string.Join("; ", moved.Verify(dense).Problems)}");
                Assert.Equal(bits, moved.ToDense().Span.ToArray().Select(v => v.ToBits()));
                using ShardedTensor back = moved.Redistribute(from).Tensor;
                Assert.Equal(bits, back.ToDense().Span.ToArray().Select(v => v.ToBits()));
                bool moves = !from.WithoutPartial().Equals(to.WithoutPartial()) || from.IsPartial != to.IsPartial;
                if (!moves) continue;
                Assert.NotEmpty(there.Steps);
            }
        }
    }

    [Fact]
    public void Redistribute_ChoosesTheCollectiveDTensorWould()
    {
        DeviceMesh mesh = Mesh();
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        DenseTensor<BFloat16> dense = ShardingTestData.Random(16, 24, 8);
        string Ops(PartitionSpec from, PartitionSpec to)
        {
            using ShardedTensor t = ShardedTensor.Distribute(dense, mesh, from, backend);
            RedistributeResult r = t.Redistribute(to);
            r.Tensor.Dispose();
            return string.Join(",", r.Steps.Select(s => s.Name.Split(' ')[0]));
        }

        Assert.Equal("all-gather", Ops(PartitionSpec.P("x", null), PartitionSpec.P(null, null)));
        Assert.Equal("all-reduce", Ops(PartitionSpec.P(null, null).WithPartial("y"), PartitionSpec.P(null, null)));
        Assert.Equal("reduce-scatter", Ops(PartitionSpec.P(null, null).WithPartial("y"), PartitionSpec.P("y", null)));
        Assert.Equal("all-to-all", Ops(PartitionSpec.P("y", null), PartitionSpec.P(null, "y")));
        Assert.Equal("slice", Ops(PartitionSpec.P(null, null), PartitionSpec.P(null, "x")));
    }

    [Fact]
    public void Distribute_Replicas_AliasOneBuffer_CollectiveOutputsAreRealCopies()
    {
        DeviceMesh mesh = Mesh();
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        DenseTensor<BFloat16> dense = ShardingTestData.Random(16, 24, 9);
        using ShardedTensor replicated = ShardedTensor.Distribute(dense, mesh, PartitionSpec.P(null, null), backend);
        Assert.Equal(1, replicated.DistinctBuffers);
        Assert.Equal(16 * 24 * 2, replicated.ResidentBytes);
        using ShardedTensor rows = ShardedTensor.Distribute(dense, mesh, PartitionSpec.P("x", null), backend);
        Assert.Equal(2, rows.DistinctBuffers);
        using ShardedTensor gathered = rows.Redistribute(PartitionSpec.P(null, null)).Tensor;
        Assert.Equal(8, gathered.DistinctBuffers);
    }

    [Fact]
    public void Verify_CatchesACorruptedReplica()
    {
        DeviceMesh mesh = Mesh();
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        DenseTensor<BFloat16> dense = ShardingTestData.Random(16, 24, 10);
        using ShardedTensor rows = ShardedTensor.Distribute(dense, mesh, PartitionSpec.P("x", null), backend);
        using ShardedTensor gathered = rows.Redistribute(PartitionSpec.P(null, null)).Tensor;
        Assert.True(gathered.Verify().Ok);
        BFloat16[] block = gathered.Local(5).ToArray();
        block[17] = (BFloat16)((float)block[17] + 1f);
        gathered.Local(5).CopyFrom(block);
        VerificationReport report = gathered.Verify();
        Assert.False(report.Ok);
        Assert.Contains("replica mismatch", report.Problems[0]);
        Assert.Contains("5", report.Problems[0]);
    }

    [Fact]
    public void Verify_CatchesAWrongPartial()
    {
        DeviceMesh mesh = Mesh();
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        DenseTensor<BFloat16> dense = ShardingTestData.Random(16, 24, 11);
        using ShardedTensor partial = ShardedTensor.Distribute(dense, mesh, PartitionSpec.P("x", null).WithPartial("y"), backend);
        Assert.True(partial.Verify(dense).Ok);
        BFloat16[] block = partial.Local(2).ToArray(); // a zero summand at y = 2
        block[3] = (BFloat16)4f;
        partial.Local(2).CopyFrom(block);
        VerificationReport report = partial.Verify(dense);
        Assert.False(report.Ok);
        Assert.Contains("partial sum wrong", report.Problems[0]);
    }
}
