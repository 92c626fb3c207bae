using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Collectives.Algorithms;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Collectives;

/// <summary>
/// The protocol costs, in-switch reduction, channels and reduction overlap against their closed forms on one
/// uncontended switch (port B each way, hop latency h, path α = 2h): each cost adds exactly its term.
/// </summary>
public class CollectiveCostModelTests
{
    private const double B = 50e9;
    private const double Hop = 1e-6;
    private const double Alpha = 2 * Hop;
    private const int L = 8 * 7 * 4 * 2 * 3 * 5 * 16;
    private const double S = L * 4.0;

    // Reductions free unless a test gives a device that reduces slowly.
    private static readonly NpuSpec FastNpu = new("ideal", 1, 1e18, 1e18, 1e18, 1e18, 1L << 40, 1e18);

    private static SystemSpec Switch(int n, CommunicationCosts costs, NpuSpec? npu = null) =>
        TopologyBuilder.SingleSwitch(n, B, Hop, npu ?? FastNpu).WithCommunication(costs);

    private static CollectiveTiming Time(SystemSpec system, CollectiveOperation op, CollectiveAlgorithm algorithm, int n, long elements, CollectiveOptions? options = null) =>
        Collective.Estimate(system, op, elements, CollectiveDataType.Fp32, algorithm, (options ?? new CollectiveOptions()) with { Group = [.. Enumerable.Range(0, n)] });

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-6 * expected, $"expected {expected:R} s, got {actual:R} s");

    [Fact]
    public void BuiltSystems_HaveIdealCosts_AndTheirTimingsSaySo()
    {
        SystemSpec system = TopologyBuilder.SingleSwitch(4, B, Hop);
        Assert.True(system.Communication.IsIdeal);
        CollectiveTiming t = Time(system, CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, 4, L);
        Assert.Equal("ideal", t.Protocol);
        Assert.Equal(0, t.LaunchSeconds);
    }

    [Fact]
    public void RingAllReduce_WithAProtocol_AddsLaunch_StepLatencyPerStep_AndDeratesTheLinks()
    {
        // T = launch + 2(n-1)(α + λ + S/(n η B)): the launch once, the step latency on each of the 2(n-1) steps.
        const int n = 8;
        const double launch = 5e-6, step = 1.5e-6, eta = 0.8;
        var costs = new CommunicationCosts { Protocols = [new CollectiveProtocol("P", launch, new LinkClassCost(step, eta), LinkClassCost.Ideal)] };
        CollectiveTiming t = Time(Switch(n, costs), CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, n, L);
        AssertClose(launch + (2 * (n - 1) * (Alpha + step + (S / n / (eta * B)))), t.SimulatedSeconds);
        Assert.Equal("P", t.Protocol);
        Assert.Equal(launch, t.LaunchSeconds);
    }

    [Fact]
    public void Protocols_TheFastestPerSizeIsKept_AndAnOptionForcesOne()
    {
        // A low-latency, low-rate protocol wins small messages; a high-latency, full-rate one wins large ones.
        const int n = 8;
        var costs = new CommunicationCosts
        {
            Protocols =
            [
                new CollectiveProtocol("LL", 1e-6, new LinkClassCost(0.5e-6, 0.25), LinkClassCost.Ideal),
                new CollectiveProtocol("Simple", 10e-6, new LinkClassCost(3e-6, 1.0), LinkClassCost.Ideal),
            ],
        };
        SystemSpec system = Switch(n, costs);
        Assert.Equal("LL", Time(system, CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, n, 1024).Protocol);
        Assert.Equal("Simple", Time(system, CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, n, 1L << 28).Protocol);
        CollectiveTiming forced = Time(system, CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, n, 1024, new CollectiveOptions { Protocol = "simple" });
        Assert.Equal("Simple", forced.Protocol);
        Assert.Throws<ArgumentException>(() => Time(system, CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, n, 1024, new CollectiveOptions { Protocol = "LL128" }));
    }

    [Fact]
    public void ReducePipelineSlices_LeaveOneSliceOfEachReductionExposed()
    {
        // The ideal ring pays (n-1) whole reductions γ (CollectiveClosedFormTests); k slices overlap all but γ/k.
        const int n = 8, slices = 4;
        var npu = new NpuSpec("slow-reduce", 1, 1e15, 1e15, 1e15, 1e11, 1L << 40, 1e12);
        var costs = new CommunicationCosts { ReducePipelineSlices = slices };
        CollectiveTiming t = Time(Switch(n, costs, npu), CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, n, L);
        double m = L / n;
        double gamma = Math.Max(m / 1e11, 3 * m * 4 / 1e12);
        AssertClose((2 * (n - 1) * (Alpha + (S / n / B))) + ((n - 1) * gamma / slices), t.SimulatedSeconds);
    }

    [Fact]
    public void InSwitch_MovesNPlusOneOverNOfTheBufferThroughEachPort()
    {
        // Every port carries (n+1)/n S each way at η B, in one step: T = launch + λ + α + (n+1)S/(n η B).
        const int n = 8;
        const double launch = 4e-6, step = 2e-6, eta = 0.7;
        var costs = new CommunicationCosts { InSwitch = new CollectiveProtocol("NVLS", launch, new LinkClassCost(step, eta), LinkClassCost.Ideal) };
        CollectiveTiming t = Time(Switch(n, costs), CollectiveOperation.AllReduce, CollectiveAlgorithm.InSwitch, n, L);
        AssertClose(launch + step + Alpha + ((n + 1.0) / n * S / (eta * B)), t.SimulatedSeconds);
        Assert.Equal("NVLS", t.Protocol);
    }

    [Theory]
    [InlineData(8, 1L << 16)]     // the buffer inside one loop of 16 KiB chunks: the fill costs F x S
    [InlineData(8, 1L << 28)]     // many loops of 32 KiB chunks
    [InlineData(48, 1L << 27)]    // more ranks than heads: each port carries (1 + 1/32) S
    public void InSwitchPipeline_AddsTheHeadShareAndFillLoops_ToTheClosedForm(int n, long elements)
    {
        // Hand-worked from NCCL's rule: c = 4 channels x min(n, 32) heads chunks in flight, chunk 128 KiB halved to
        // 64 / 32 / 16 KiB below 64 c / 8 c / 2 c chunks of buffer; loop = c x chunk; the fill adds F x min(S, loop).
        const double launch = 4e-6, step = 2e-6, eta = 0.7, fill = 2.5;
        var pipeline = new InSwitchPipeline(4, 32, 128 * 1024, fill);
        var costs = new CommunicationCosts
        {
            InSwitch = new CollectiveProtocol("NVLS", launch, new LinkClassCost(step, eta), LinkClassCost.Ideal),
            InSwitchPipeline = pipeline,
        };
        double size = elements * 4.0;
        int heads = Math.Min(n, 32);
        double concurrent = 4.0 * heads, chunk = 128 * 1024;
        if (size < 64 * concurrent * chunk) chunk = 65536;
        if (size < 8 * concurrent * chunk) chunk = 32768;
        if (size < 2 * concurrent * chunk) chunk = 16384;
        Assert.Equal(chunk, pipeline.ChunkBytes(n, size));
        double perPort = (1 + 1.0 / heads) * (size + fill * Math.Min(size, concurrent * chunk));
        CollectiveTiming t = Time(Switch(n, costs), CollectiveOperation.AllReduce, CollectiveAlgorithm.InSwitch, n, elements);
        AssertClose(launch + step + Alpha + (perPort / (eta * B)), t.SimulatedSeconds);
    }

    [Fact]
    public void InSwitchPipeline_ChunkRule_MatchesNcclAtItsThresholds()
    {
        // NCCL 2.26 on 72 GPUs of an NVL72 rack: 32 channels x 32 heads = 1024 chunks in flight.
        var nvls = new InSwitchPipeline(32, 32, 128 * 1024, 0);
        const double GiB = 1 << 30;
        Assert.Equal(32, nvls.Heads(72));
        Assert.Equal(131072, nvls.ChunkBytes(72, 8 * GiB));        // not below 64 x 1024 x 128 KiB = 8 GiB
        Assert.Equal(65536, nvls.ChunkBytes(72, 4 * GiB));
        Assert.Equal(65536, nvls.ChunkBytes(72, 0.5 * GiB));       // not below 8 x 1024 x 64 KiB = 512 MiB
        Assert.Equal(32768, nvls.ChunkBytes(72, 0.25 * GiB));
        Assert.Equal(16384, nvls.ChunkBytes(72, 1 << 20));
        Assert.Equal(64 << 20, nvls.LoopBytes(72, 0.5 * GiB));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopologyBuilder.SingleSwitch(2, B, Hop).WithCommunication(new CommunicationCosts
        {
            InSwitchPipeline = new InSwitchPipeline(0, 32, 131072, 1),
        }));
    }

    [Fact]
    public void InSwitch_IsOfferedAndPickedOnlyWhereTheSwitchesReduce()
    {
        SystemSpec hgx = Systems.HgxH100();
        SystemSpec cm384 = Systems.CloudMatrix384();
        Assert.Contains(CollectiveAlgorithm.InSwitch, Collective.SupportedAlgorithms(hgx, CollectiveOperation.AllReduce));
        Assert.DoesNotContain(CollectiveAlgorithm.InSwitch, Collective.SupportedAlgorithms(cm384, CollectiveOperation.AllReduce));
        Assert.DoesNotContain(CollectiveAlgorithm.InSwitch, Collective.SupportedAlgorithms(CollectiveOperation.AllReduce));
        var group = new CollectiveOptions { Group = [.. Enumerable.Range(0, 8)] };
        var ex = Assert.Throws<ArgumentException>(() =>
            Collective.Estimate(cm384, CollectiveOperation.AllReduce, 1024, CollectiveDataType.Bf16, CollectiveAlgorithm.InSwitch, group));
        Assert.Contains("InSwitch", ex.Message, StringComparison.Ordinal);
        CollectiveTiming large = Collective.Estimate(hgx, CollectiveOperation.AllReduce, 1L << 30, CollectiveDataType.Bf16, CollectiveAlgorithm.Auto, group);
        Assert.Equal(CollectiveAlgorithm.InSwitch, large.Algorithm);
    }

    [Fact]
    public void InSwitch_StaysInsideOneScaleUpDomain()
    {
        // Two HGX nodes: NVLS reduces inside a node's NVSwitches only, so a 16-GPU group neither gets it from Auto
        // nor may ask for it.
        SystemSpec two = Systems.HgxH100(2);
        var group = new CollectiveOptions { Group = [.. Enumerable.Range(0, 16)] };
        CollectiveTiming auto = Collective.Estimate(two, CollectiveOperation.AllReduce, 1L << 28, CollectiveDataType.Bf16, CollectiveAlgorithm.Auto, group);
        Assert.NotEqual(CollectiveAlgorithm.InSwitch, auto.Algorithm);
        Assert.DoesNotContain("in_switch", auto.Reason, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() =>
            Collective.Estimate(two, CollectiveOperation.AllReduce, 1024, CollectiveDataType.Bf16, CollectiveAlgorithm.InSwitch, group));
        var oneNode = new CollectiveOptions { Group = [.. Enumerable.Range(8, 8)] };
        Assert.Equal(CollectiveAlgorithm.InSwitch,
            Collective.Estimate(two, CollectiveOperation.AllReduce, 1L << 28, CollectiveDataType.Bf16, CollectiveAlgorithm.Auto, oneNode).Algorithm);
    }

    [Fact]
    public void InSwitch_OnRealBuffers_GivesTheCanonicalSum_BitForBitAsDirect()
    {
        SystemSpec hgx = Systems.HgxH100();
        float[][] inputs = CollectiveTestData.RandomFloats(8, 1000, seed: 11);
        var group = new CollectiveOptions { Group = [.. Enumerable.Range(0, 8)] };
        var inSwitch = Collective.Run(hgx, CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.InSwitch, group);
        var direct = Collective.Run(hgx, CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.Direct, group);
        Assert.Equal(CollectiveAlgorithm.InSwitch, inSwitch.Timing.Algorithm);
        for (int r = 0; r < 8; r++) Assert.Equal(direct.Outputs[r], inSwitch.Outputs[r]);
    }

    [Fact]
    public void RingAcrossNodes_RunsOneChannelPerNic_SoEveryNicCarriesItsShare()
    {
        // Two HGX nodes, ideal costs: one ring crosses the nodes through one NIC each way and that NIC carries
        // 2(n-1)/n S; eight rotated rings cross through all eight, each carrying 1/8 of that.
        SystemSpec two = Systems.HgxH100(2).WithCommunication(CommunicationCosts.Ideal);
        const long elements = 1L << 26;   // 256 MiB of FP32 per rank
        CollectiveTiming auto = Time(two, CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, 16, elements);
        CollectiveTiming one = Time(two, CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, 16, elements, new CollectiveOptions { Channels = 1 });
        Assert.Equal(8, auto.Channels);
        Assert.Equal(1, one.Channels);
        Assert.Equal(16, auto.Links.Select(l => l.LinkId).Where(id => id.Contains("~rail", StringComparison.Ordinal)).Distinct().Count());
        // One ring crosses twice (n0.gpu7 -> n1.gpu0, n1.gpu7 -> n0.gpu0): four NICs.
        Assert.Equal(4, one.Links.Select(l => l.LinkId).Where(id => id.Contains("~rail", StringComparison.Ordinal)).Distinct().Count());
        double perNic = 2.0 * 15 / 16 * elements * 4 / 8;
        foreach (LinkUsage nic in auto.Links.Where(l => l.LinkId.Contains("~rail", StringComparison.Ordinal) && l.LinkId.Contains(".gpu", StringComparison.Ordinal)))
        {
            Assert.Equal(perNic, nic.Bytes, perNic * 1e-9);
        }

        // The NICs bound the time from below; the rest is the H100's reductions (no overlap with ideal costs).
        double nicBound = perNic / 50e9;
        Assert.InRange(auto.SimulatedSeconds, nicBound, nicBound * 1.15);
        Assert.True(one.SimulatedSeconds > 7 * auto.SimulatedSeconds, $"one channel {one.SimulatedSeconds * 1e3:F2} ms, eight {auto.SimulatedSeconds * 1e3:F2} ms");
    }

    [Fact]
    public void Registry_HasOneAlgorithmPerEnumMember()
    {
        foreach (CollectiveAlgorithm a in Enum.GetValues<CollectiveAlgorithm>().Where(a => a != CollectiveAlgorithm.Auto))
        {
            Assert.Equal(a, CollectiveAlgorithmRegistry.Get(a).Id);
        }

        Assert.Throws<ArgumentException>(() => CollectiveAlgorithmRegistry.Get(CollectiveAlgorithm.Auto));
    }

    [Fact]
    public void WithCommunication_RefusesOutOfRangeConstants()
    {
        SystemSpec system = TopologyBuilder.SingleSwitch(2, B, Hop);
        Assert.Throws<ArgumentOutOfRangeException>(() => system.WithCommunication(new CommunicationCosts
        {
            Protocols = [new CollectiveProtocol("P", 0, new LinkClassCost(0, 1.5), LinkClassCost.Ideal)],
        }));
        Assert.Throws<ArgumentOutOfRangeException>(() => system.WithCommunication(new CommunicationCosts
        {
            Protocols = [new CollectiveProtocol("P", -1, LinkClassCost.Ideal, LinkClassCost.Ideal)],
        }));
        Assert.Throws<ArgumentOutOfRangeException>(() => system.WithCommunication(new CommunicationCosts { ReducePipelineSlices = 0 }));
        Assert.Throws<ArgumentException>(() => system.WithCommunication(new CommunicationCosts
        {
            Protocols = [new CollectiveProtocol("P", 0, LinkClassCost.Ideal, LinkClassCost.Ideal), new CollectiveProtocol("p", 0, LinkClassCost.Ideal, LinkClassCost.Ideal)],
        }));
    }
}
