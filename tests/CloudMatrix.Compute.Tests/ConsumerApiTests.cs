using System.Globalization;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Tests;

using Coll = CloudMatrix.Compute.Collectives.Collective;

/// <summary>The public API <c>cmx</c> consumes: names and parsing, the byte formatter, faults, traffic patterns, the GEMM benchmark.</summary>
public class ConsumerApiTests
{
    [Theory]
    [InlineData(0.0, "0 B")]
    [InlineData(999.0, "999 B")]
    [InlineData(1500.0, "1.5 kB")]
    [InlineData(268_435_456.0, "268.44 MB")]
    [InlineData(96e9, "96.00 GB")]
    [InlineData(1.2e12, "1.20 TB")]
    public void ByteSize_Format_UsesDecimalUnits(double bytes, string expected) => Assert.Equal(expected, ByteSize.Format(bytes));

    [Theory]
    [InlineData(8.0, "8 B")]
    [InlineData(1024.0, "1 KiB")]
    [InlineData(64.0 * (1 << 20), "64 MiB")]
    [InlineData(8.0 * (1 << 30), "8 GiB")]
    [InlineData(1.5 * (1L << 40), "1.5 TiB")]
    public void ByteSize_FormatBinary_UsesBinaryUnits(double bytes, string expected) => Assert.Equal(expected, ByteSize.FormatBinary(bytes));

    [Fact]
    public void ByteSize_Format_IgnoresTheCurrentCulture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal("1.5 kB", ByteSize.Format(1500));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Theory]
    [InlineData("64M", 64L << 20)]
    [InlineData("1kib", 1024L)]
    [InlineData("512b", 512L)]
    public void ByteSize_TryParse_ReadsBinarySuffixes(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out long bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("1.5M")]
    [InlineData("99999999999999999999")]
    [InlineData("16777216T")]
    public void ByteSize_TryParse_RefusesOtherText(string text) => Assert.False(ByteSize.TryParse(text, out _));

    [Fact]
    public void AlgorithmNames_RoundTrip()
    {
        foreach (CollectiveAlgorithm a in Enum.GetValues<CollectiveAlgorithm>())
        {
            Assert.True(Coll.TryParseAlgorithm(Coll.Name(a), out var parsed));
            Assert.Equal(a, parsed);
            Assert.True(Coll.TryParseAlgorithm(a.ToString().ToUpperInvariant(), out parsed));
            Assert.Equal(a, parsed);
        }

        Assert.Equal("double_binary_tree", Coll.Name(CollectiveAlgorithm.DoubleBinaryTree));
        Assert.False(Coll.TryParseAlgorithm("butterfly", out _));
    }

    [Fact]
    public void OperationNames_RoundTrip_AndAreNcclTestsNames()
    {
        Assert.Equal(["allreduce", "reducescatter", "allgather", "broadcast", "reduce", "alltoall", "sendrecv"], Coll.OperationNames);
        foreach (CollectiveOperation o in Enum.GetValues<CollectiveOperation>())
        {
            Assert.True(Coll.TryParseOperation($" {Coll.OperationName(o)} ", out var parsed));
            Assert.Equal(o, parsed);
        }

        Assert.True(Coll.TryParseOperation("SendReceive", out var sr));
        Assert.Equal(CollectiveOperation.SendReceive, sr);
        Assert.False(Coll.TryParseOperation("gather", out _));
        Assert.True(Coll.IsReducing(CollectiveOperation.ReduceScatter));
        Assert.False(Coll.IsReducing(CollectiveOperation.AllGather));
    }

    [Fact]
    public void CollectiveVerification_CountsAWrongSumAndAWrongCopy()
    {
        float[][] inputs = [[1f, 2f], [3f, 4f]];
        double bound = CollectiveVerification.BoundFactor(2, wireBf16: false, outputBf16: false);
        Assert.Equal(0, CollectiveVerification.CountWrong(CollectiveOperation.AllReduce, 0, inputs, [[4f, 6f], [4f, 6f]], bound));
        Assert.Equal(1, CollectiveVerification.CountWrong(CollectiveOperation.AllReduce, 0, inputs, [[4f, 6f], [4f, 6.01f]], bound));
        Assert.Equal(1, CollectiveVerification.CountWrong(CollectiveOperation.Broadcast, 1, inputs, [[3f, 4f], [3f, 5f]], bound));
    }

    [Theory]
    [InlineData(CollectiveDataType.Bf16)]
    [InlineData(CollectiveDataType.Fp32)]
    public void CollectiveVerification_RunChecked_FindsNoWrongElementsInARealAllReduce(CollectiveDataType type)
    {
        var system = CloudMatrix.Compute.Topology.Systems.CloudMatrix384();
        float[][] inputs = CollectiveVerification.RandomInputs(type, 8, 1000, seed: 3);
        Assert.All(inputs, x => Assert.All(x, v => Assert.InRange(v, -1f, 1f)));
        var options = new CollectiveOptions { Group = [.. Enumerable.Range(0, 8)] };
        var (timing, wrong) = CollectiveVerification.RunChecked(system, CollectiveOperation.AllReduce, inputs, type, CollectiveAlgorithm.Ring, options);
        Assert.Equal(0, wrong);
        Assert.Equal(CollectiveAlgorithm.Ring, timing.Algorithm);
        Assert.True(timing.SimulatedSeconds > 0);
        Assert.Equal(Coll.Estimate(system, CollectiveOperation.AllReduce, 1000, type, CollectiveAlgorithm.Ring, options).SimulatedSeconds, timing.SimulatedSeconds, 12);
    }

    [Theory]
    [InlineData("link:a-b", FaultKind.Link, "a-b", 0.0)]
    [InlineData("LINK:a-b@0.5", FaultKind.Link, "a-b", 0.5)]
    [InlineData("switch:l2p0c1@0.25", FaultKind.Switch, "l2p0c1", 0.25)]
    [InlineData("plane:3", FaultKind.Plane, "3", 0.0)]
    [InlineData("transceiver:x", FaultKind.Transceiver, "x", 0.0)]
    public void Fault_Parse_ReadsEveryKind(string text, FaultKind kind, string target, double factor) =>
        Assert.Equal(new Fault(kind, target, factor), Fault.Parse(text));

    [Theory]
    [InlineData("a-b")]
    [InlineData("cable:a-b")]
    [InlineData("link:a-b@1")]
    [InlineData("link:a-b@x")]
    public void Fault_Parse_RefusesOtherText(string text) => Assert.Throws<FormatException>(() => Fault.Parse(text));

    [Fact]
    public void TrafficPatterns_HaveTheDocumentedFlows()
    {
        IReadOnlyList<Flow> all = TrafficPatterns.Create("all-to-all", 4, 100);
        Assert.Equal(12, all.Count);
        Assert.DoesNotContain(all, f => f.Source == f.Destination);
        Assert.Equal(12, all.Select(f => (f.Source, f.Destination)).Distinct().Count());
        IReadOnlyList<Flow> ring = TrafficPatterns.Create("Ring", 4, 100);
        Assert.Equal([(0, 1), (1, 2), (2, 3), (3, 0)], ring.Select(f => (f.Source, f.Destination)));
        Assert.Throws<ArgumentException>(() => TrafficPatterns.Create("butterfly", 4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrafficPatterns.Ring(4, double.NaN));
    }

    [Fact]
    public void GemmReference_IsTheExactDotProduct()
    {
        BFloat16[] a = [(BFloat16)1f, (BFloat16)2f, (BFloat16)3f, (BFloat16)4f]; // 2 x 2
        BFloat16[] b = [(BFloat16)(-1f), (BFloat16)0.5f, (BFloat16)2f, (BFloat16)1f];
        var (value, magnitude) = GemmReference.Element(GemmTranspose.None, GemmTranspose.None, 2, a, 2, b, 2, 1, 0);
        Assert.Equal((3 * -1) + (4 * 2), value);
        Assert.Equal(3 + 8, magnitude);
        var (t, _) = GemmReference.Element(GemmTranspose.Transpose, GemmTranspose.None, 2, a, 2, b, 2, 1, 0);
        Assert.Equal((2 * -1) + (4 * 2), t);
    }

    [Fact]
    public void GemmBenchmark_OnTheHost_PassesItsFp64Check()
    {
        GemmBenchmarkResult r = GemmBenchmark.Run(new GemmBenchmarkRequest(33, 47, 65, 1, GemmTranspose.None, GemmTranspose.Transpose, 2, 7));
        Assert.True(r.Passed, $"max rel error {r.MaxRelError} above {r.ErrorBound}");
        Assert.Equal(33L * 47, r.CheckedElements);
        Assert.Equal(GemmReference.Fp32AccumulationBound(65), r.ErrorBound);
        Assert.True(r.Gflops > 0 && r.BestSeconds <= r.Seconds);
        Assert.Equal("cpu-simd", r.Backend);
        Assert.Throws<ArgumentOutOfRangeException>(() => GemmBenchmark.Run(new GemmBenchmarkRequest(0, 1, 1, 1, GemmTranspose.None, GemmTranspose.None, 1, 1)));
    }
}
