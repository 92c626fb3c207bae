using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;
using static CloudMatrix.Compute.Tests.Collectives.CollectiveTestData;

namespace CloudMatrix.Compute.Tests.Collectives;

public class CollectiveValidationTests
{
    private static readonly SystemSpec System8 = TopologyBuilder.SingleSwitch(8, 50e9, 1e-6);

    [Fact]
    public void UnequalBufferLengths_AreRefused_NamingBothRanks()
    {
        float[][] buffers = [new float[10], new float[10], new float[9]];
        var ex = Assert.Throws<ArgumentException>(() => Collective.Run(System8, CollectiveOperation.AllReduce, buffers, CollectiveAlgorithm.Ring, new CollectiveOptions { Group = [0, 1, 2] }));
        Assert.Equal("buffers", ex.ParamName);
        Assert.Contains("rank 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BufferCountDifferentFromGroupSize_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Collective.Run(System8, CollectiveOperation.AllReduce, [new float[4], new float[4]], CollectiveAlgorithm.Ring, null));
        Assert.Contains("group of 8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateDevice_IsRefused_NamingTheDevice()
    {
        var ex = Assert.Throws<ArgumentException>(() => Collective.Estimate(System8, CollectiveOperation.AllReduce, 64, CollectiveDataType.Fp32, CollectiveAlgorithm.Ring, new CollectiveOptions { Group = [1, 3, 1] }));
        Assert.Equal("group", ex.ParamName);
        Assert.Contains("Device 1 appears twice", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(-1)]
    public void UnknownDevice_IsRefused_WithTheValidRange(int device)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Collective.Estimate(System8, CollectiveOperation.Broadcast, 64, CollectiveDataType.Bf16, CollectiveAlgorithm.Ring, new CollectiveOptions { Group = [0, device] }));
        Assert.Equal("group", ex.ParamName);
        Assert.Contains("0..7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyGroup_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Collective.Run(System8, CollectiveOperation.AllGather, Array.Empty<float[]>(), CollectiveAlgorithm.Direct, new CollectiveOptions { Group = [] }));
        Assert.Equal("group", ex.ParamName);
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    [InlineData(0)]
    public void SendReceiveWithAGroupOtherThanTwo_IsRefused_NamingTheGroup(int members)
    {
        // members 0: no group given, i.e. all 8 devices.
        CollectiveOptions options = members == 0 ? CollectiveOptions.Default : new CollectiveOptions { Group = [.. Enumerable.Range(2, members)] };
        int size = members == 0 ? 8 : members;
        var estimate = Assert.Throws<ArgumentException>(() => Collective.Estimate(System8, CollectiveOperation.SendReceive, 64, CollectiveDataType.Fp32, CollectiveAlgorithm.Auto, options));
        var run = Assert.Throws<ArgumentException>(() => Collective.Run(System8, CollectiveOperation.SendReceive, [.. Enumerable.Range(0, size).Select(_ => new float[4])], CollectiveAlgorithm.Direct, options));
        var check = Assert.Throws<ArgumentException>(() => CollectiveVerification.RunChecked(System8, CollectiveOperation.SendReceive, [.. Enumerable.Range(0, size).Select(_ => new float[4])], CollectiveDataType.Bf16, CollectiveAlgorithm.Direct, options));
        foreach (ArgumentException ex in new[] { estimate, run, check })
        {
            Assert.Equal("group", ex.ParamName);
            Assert.Contains($"exactly two devices (source, destination); the group has {size}", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RootOutsideTheGroup_IsRefused()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Collective.Run(System8, CollectiveOperation.Broadcast, [new float[3], new float[3]], CollectiveAlgorithm.Ring, new CollectiveOptions { Group = [2, 5], Root = 4 }));
        Assert.Equal("root", ex.ParamName);
        Assert.Contains("device 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AlgorithmThatDoesNotImplementTheOperation_IsRefused_ListingTheValidOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Collective.Estimate(System8, CollectiveOperation.AllToAll, 64, CollectiveDataType.Fp32, CollectiveAlgorithm.Ring, null));
        Assert.Equal("algorithm", ex.ParamName);
        Assert.Contains("Pairwise", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeChunksAndSizes_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Collective.Estimate(System8, CollectiveOperation.AllReduce, 64, CollectiveDataType.Fp32, CollectiveAlgorithm.Ring, new CollectiveOptions { Chunks = -2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Collective.Estimate(System8, CollectiveOperation.AllReduce, -1, CollectiveDataType.Fp32, CollectiveAlgorithm.Ring, null));
    }

    [Fact]
    public void HierarchicalOnUnevenNodes_IsRefused_AndAutoSkipsIt()
    {
        var fabric = Fabric(6, devicesPerNode: 4);   // nodes of 4 and 2
        var ex = Assert.Throws<ArgumentException>(() => Collective.Estimate(fabric, CollectiveOperation.AllReduce, 64, CollectiveDataType.Fp32, CollectiveAlgorithm.Hierarchical, null));
        Assert.Contains("same number of group members on every node", ex.Message, StringComparison.Ordinal);
        var auto = Collective.Estimate(fabric, CollectiveOperation.AllReduce, 64, CollectiveDataType.Fp32, CollectiveAlgorithm.Auto, null);
        Assert.NotEqual(CollectiveAlgorithm.Hierarchical, auto.Algorithm);
        Assert.Contains("hierarchical skipped", auto.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SendReceive_NeedsExactlyTwoDevices()
    {
        var ex = Assert.Throws<ArgumentException>(() => Collective.Run(System8, CollectiveOperation.SendReceive, [new float[3], new float[3], new float[3]], CollectiveAlgorithm.Direct, new CollectiveOptions { Group = [0, 1, 2] }));
        Assert.Contains("exactly two", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InPlaceWhereOutputLengthDiffers_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Collective.Run(System8, CollectiveOperation.AllGather, [new float[3], new float[3]], CollectiveAlgorithm.Ring, new CollectiveOptions { Group = [0, 1], InPlace = true }));
        Assert.Equal("options", ex.ParamName);
    }

    [Fact]
    public void Auto_PicksTheFastestByTheModel_AndSaysWhy()
    {
        // Tiny messages on 8 ranks: latency rules, so one-shot (one α) beats the ring's 14 α; large ones: bandwidth rules.
        var small = Collective.Estimate(System8, CollectiveOperation.AllReduce, 2, CollectiveDataType.Fp32, CollectiveAlgorithm.Auto, null);
        var large = Collective.Estimate(System8, CollectiveOperation.AllReduce, 1 << 24, CollectiveDataType.Fp32, CollectiveAlgorithm.Auto, null);
        foreach (var (chosen, elements) in new[] { (small, 2L), (large, 1L << 24) })
        {
            foreach (CollectiveAlgorithm a in Collective.SupportedAlgorithms(CollectiveOperation.AllReduce))
            {
                var t = Collective.Estimate(System8, CollectiveOperation.AllReduce, elements, CollectiveDataType.Fp32, a, null);
                Assert.True(chosen.SimulatedSeconds <= t.SimulatedSeconds, $"{a} is faster than Auto's {chosen.Algorithm}");
            }

            Assert.StartsWith("auto: fastest by the model", chosen.Reason, StringComparison.Ordinal);
        }

        Assert.Equal(CollectiveAlgorithm.OneShot, small.Algorithm);
        Assert.NotEqual(CollectiveAlgorithm.OneShot, large.Algorithm);
    }

    [Fact]
    public void UndefinedDataType_IsRefused_NamingDataType()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Collective.Estimate(System8, CollectiveOperation.AllReduce, 64, (CollectiveDataType)99, CollectiveAlgorithm.Ring, null));
        Assert.Equal("dataType", ex.ParamName);
        Assert.Equal((CollectiveDataType)99, ex.ActualValue);
        Assert.Contains("Fp32, Bf16", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4097)]
    [InlineData(1_000_000)]
    [InlineData(int.MaxValue)]
    public void ChunksAboveTheMaximum_AreRefused_WithTheValidRange(int chunks)
    {
        // These overflowed the timing template (OverflowException) or built a schedule too large to finish.
        var options = new CollectiveOptions { Chunks = chunks, Group = [0, 1, 2, 3] };
        var estimate = Assert.Throws<ArgumentOutOfRangeException>(() => Collective.Estimate(System8, CollectiveOperation.AllReduce, 64, CollectiveDataType.Fp32, CollectiveAlgorithm.Ring, options));
        var run = Assert.Throws<ArgumentOutOfRangeException>(() => Collective.Run(System8, CollectiveOperation.AllReduce, [new float[4], new float[4], new float[4], new float[4]], CollectiveAlgorithm.Ring, options));
        foreach (ArgumentOutOfRangeException ex in new[] { estimate, run })
        {
            Assert.Equal("chunks", ex.ParamName);
            Assert.Contains($"CollectiveOptions.Chunks is {chunks}", ex.Message, StringComparison.Ordinal);
            Assert.Contains("valid: 0..4096", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ChunksAtTheMaximum_AreTimed()
    {
        var timing = Collective.Estimate(System8, CollectiveOperation.AllReduce, 1 << 16, CollectiveDataType.Fp32, CollectiveAlgorithm.Ring, new CollectiveOptions { Chunks = 4096, Group = [0, 1] });
        Assert.Equal(4096, timing.Chunks);
    }

    [Fact]
    public void FaultWithANullTarget_IsRefused_NamingTheFault()
    {
        var options = new CollectiveOptions { Faults = [new Fault(FaultKind.Link, null!, 0)] };
        var ex = Assert.Throws<ArgumentException>(() => Collective.Estimate(System8, CollectiveOperation.AllReduce, 64, CollectiveDataType.Fp32, CollectiveAlgorithm.Ring, options));
        Assert.Equal("faults", ex.ParamName);
        Assert.Contains("faults[0].Target is null", ex.Message, StringComparison.Ordinal);
        Assert.Contains("plane:K", ex.Message, StringComparison.Ordinal);
    }
}
