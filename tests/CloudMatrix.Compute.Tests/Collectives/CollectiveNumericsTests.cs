using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Testing;
using static CloudMatrix.Compute.Tests.Collectives.CollectiveTestData;

namespace CloudMatrix.Compute.Tests.Collectives;

public class CollectiveNumericsTests
{
    public static TheoryData<CollectiveOperation, CollectiveAlgorithm, int> Cases(int[] sizes)
    {
        var data = new TheoryData<CollectiveOperation, CollectiveAlgorithm, int>();
        foreach (CollectiveOperation op in Enum.GetValues<CollectiveOperation>())
        {
            foreach (CollectiveAlgorithm algorithm in Collective.SupportedAlgorithms(op))
            {
                foreach (int n in sizes)
                {
                    if (op != CollectiveOperation.SendReceive || n == 2) data.Add(op, algorithm, n);
                }
            }
        }

        return data;
    }

    public static TheoryData<CollectiveOperation, CollectiveAlgorithm, int> SmallGroups => Cases([1, 2, 3, 7, 8, 48]);

    public static TheoryData<CollectiveOperation, CollectiveAlgorithm, int> LargeGroup => Cases([384]);

    // Lengths that do not divide by the group size nor by a vector width; a few smaller than the group.
    // Nodes of several devices, so that hierarchical runs both its intra-node and its inter-node stage.
    private static int PerNode(int n) => n switch { 8 => 4, 48 or 384 => 8, _ => 1 };

    private static int LengthFor(int n, CollectiveOperation op) => (n, op) switch
    {
        (384, CollectiveOperation.AllGather) => 13,   // the output is n times the input
        (1, _) => 37,
        (2, _) => 1001,
        (3, _) => 517,
        (7, _) => 230,
        (8, _) => 5,
        (48, _) => 101,
        _ => 389,
    };

    [Theory]
    [MemberData(nameof(SmallGroups))]
    public void Fp32_EveryAlgorithm_EqualsExactResultWithinBound(CollectiveOperation op, CollectiveAlgorithm algorithm, int n) =>
        CheckFp32(op, algorithm, n);

    [Theory]
    [MemberData(nameof(SmallGroups))]
    public void Bf16_EveryAlgorithm_EqualsExactResultWithinBound(CollectiveOperation op, CollectiveAlgorithm algorithm, int n) =>
        CheckBf16(op, algorithm, n, fp32Partials: false);

    [Theory]
    [MemberData(nameof(LargeGroup))]
    public void Fp32_384Ranks_EqualsExactResultWithinBound(CollectiveOperation op, CollectiveAlgorithm algorithm, int n) =>
        CheckFp32(op, algorithm, n);

    [HeavyTheory]
    [MemberData(nameof(LargeGroup))]
    public void Bf16_384Ranks_EqualsExactResultWithinBound(CollectiveOperation op, CollectiveAlgorithm algorithm, int n) =>
        CheckBf16(op, algorithm, n, fp32Partials: false);

    [Theory]
    [InlineData(CollectiveAlgorithm.Ring, 7)]
    [InlineData(CollectiveAlgorithm.HalvingDoubling, 48)]
    [InlineData(CollectiveAlgorithm.DoubleBinaryTree, 8)]
    public void Bf16_Fp32Partials_EqualsExactResultWithinTighterBound(CollectiveAlgorithm algorithm, int n) =>
        CheckBf16(CollectiveOperation.AllReduce, algorithm, n, fp32Partials: true);

    private static void CheckFp32(CollectiveOperation op, CollectiveAlgorithm algorithm, int n)
    {
        int length = LengthFor(n, op);
        float[][] inputs = RandomFloats(n, length, seed: n * 31 + (int)op);
        float[][] copies = [.. inputs.Select(b => (float[])b.Clone())];
        var result = Collective.Run(Fabric(n, PerNode(n)), op, inputs, algorithm, new CollectiveOptions { Root = n / 2 });
        Assert.Equal(algorithm, result.Timing.Algorithm);
        for (int r = 0; r < n; r++) Assert.Equal(copies[r], inputs[r]);   // inputs untouched
        CheckAgainstReference(op, n, n / 2, inputs, result.Outputs.Select(o => o.Select(x => (double)x).ToArray()).ToArray(),
            BoundFactor(n, false, false), exactCopies: result.Outputs.Select(o => o.ToArray()).ToArray());
    }

    private static void CheckBf16(CollectiveOperation op, CollectiveAlgorithm algorithm, int n, bool fp32Partials)
    {
        int length = LengthFor(n, op);
        BFloat16[][] inputs = RandomBFloat16(n, length, seed: n * 17 + (int)op);
        ushort[][] before = [.. inputs.Select(b => b.Select(x => x.ToBits()).ToArray())];
        var result = Collective.Run(Fabric(n, PerNode(n)), op, inputs, algorithm, new CollectiveOptions { Root = n - 1, Fp32Partials = fp32Partials });
        for (int r = 0; r < n; r++) Assert.Equal(before[r], inputs[r].Select(x => x.ToBits()).ToArray());
        CheckAgainstReference(op, n, n - 1, Widen(inputs), result.Outputs.Select(o => o.Select(x => (double)x).ToArray()).ToArray(),
            BoundFactor(n, !fp32Partials, true), exactCopies: result.Outputs.Select(o => o.Select(x => (float)x).ToArray()).ToArray());
    }

    private static void CheckAgainstReference(CollectiveOperation op, int n, int root, float[][] x, double[][] outputs, double factor, float[][] exactCopies)
    {
        int length = x[0].Length;
        Assert.Equal(n, outputs.Length);
        switch (op)
        {
            case CollectiveOperation.AllReduce:
            case CollectiveOperation.ReduceScatter:
            case CollectiveOperation.Reduce:
            {
                var (sum, mag) = Exact(x);
                for (int r = 0; r < n; r++)
                {
                    (int off, int cnt) = op switch
                    {
                        CollectiveOperation.ReduceScatter => Collective.Partition(length, n, r),
                        CollectiveOperation.Reduce => r == root ? (0, length) : (0, 0),
                        _ => (0, length),
                    };
                    Assert.Equal(cnt, outputs[r].Length);
                    for (int i = 0; i < cnt; i++)
                    {
                        double err = Math.Abs(outputs[r][i] - sum[off + i]);
                        Assert.True(err <= factor * mag[off + i] + 1e-30,
                            $"rank {r} element {off + i}: got {outputs[r][i]:R}, exact {sum[off + i]:R}, error {err:E3} > bound {factor * mag[off + i]:E3}");
                    }
                }

                // Every rank that holds the same element holds the same bits.
                if (op == CollectiveOperation.AllReduce)
                {
                    for (int r = 1; r < n; r++) Assert.Equal(exactCopies[0], exactCopies[r]);
                }

                break;
            }

            case CollectiveOperation.AllGather:
                for (int r = 0; r < n; r++) Assert.Equal(x.SelectMany(b => b).ToArray(), exactCopies[r]);
                break;
            case CollectiveOperation.Broadcast:
                for (int r = 0; r < n; r++) Assert.Equal(x[root], exactCopies[r]);
                break;
            case CollectiveOperation.SendReceive:
                Assert.Empty(exactCopies[0]);
                Assert.Equal(x[0], exactCopies[1]);
                break;
            default:
                for (int j = 0; j < n; j++)
                {
                    var (off, cnt) = Collective.Partition(length, n, j);
                    float[] expected = [.. x.SelectMany(b => b.Skip(off).Take(cnt))];
                    Assert.Equal(expected, exactCopies[j]);
                }

                break;
        }
    }
}
