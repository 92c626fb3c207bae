using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Collectives;

/// <summary>
/// On the presets the textbook α-β forms (one port of B, one α) stop being right, and these tests pin why with
/// the preset's published figures: CloudMatrix384's UB port is 14 x 28 GB/s = 392 GB/s (2506.12708v2 §3.3.1), its
/// paths take 1.3 us inside a node and 2.1 us across nodes (Table 1, v2), its HBM gives 3.2 TB/s (§3.3.1).
/// </summary>
public class CollectivePresetTests
{
    // The links alone (ideal costs): these tests pin the α-β forms of the fabric; the preset's UB write efficiency is
    // pinned separately below.
    private static readonly SystemSpec Cm384 = Systems.CloudMatrix384().WithCommunication(CommunicationCosts.Ideal);
    private const double UbBytesPerSecond = 14 * 28e9;
    private const double IntraNodeAlpha = 1.3e-6;
    private const double InterNodeAlpha = 2.1e-6;
    private const long Elements = 1 << 24;   // 64 MiB of FP32 per rank
    private const double S = Elements * 4.0;

    private static double ReduceSeconds(double elements) =>
        Math.Max(elements / Cm384.Npu.VectorFlopsPerSecond, 3 * elements * 4 / Cm384.Npu.HbmBytesPerSecond);

    [Fact]
    public void Ring384_EveryStepWaitsForItsSlowestHop_SoTheInterNodeLatencyReplacesTheIntraNodeOne()
    {
        const int n = 384;
        var t = Collective.Estimate(Cm384, CollectiveOperation.AllReduce, Elements, CollectiveDataType.Fp32, CollectiveAlgorithm.Ring);
        double naive = (2 * (n - 1) * (IntraNodeAlpha + (S / n / UbBytesPerSecond))) + ((n - 1) * ReduceSeconds(Elements / n));
        // 48 of the ring's 384 hops leave their node; a ring step ends when its slowest hop does.
        double pinned = (2 * (n - 1) * (InterNodeAlpha + (S / n / UbBytesPerSecond))) + ((n - 1) * ReduceSeconds(Elements / n));
        Assert.Equal(pinned, t.SimulatedSeconds, pinned * 1e-6);
        Assert.True(t.SimulatedSeconds > naive * 1.25, $"closed form with the intra-node α: {naive * 1e6:F1} us, simulated {t.SimulatedSeconds * 1e6:F1} us");
    }

    [Fact]
    public void Direct384_IsUncontended_TheNonBlockingUbFabricCarriesEveryPairAtOnce()
    {
        // 147,072 flows at once; the two-tier UB fabric is non-blocking, so only each device's own port binds.
        const int n = 384;
        var t = Collective.Estimate(Cm384, CollectiveOperation.AllReduce, Elements, CollectiveDataType.Fp32, CollectiveAlgorithm.Direct);
        double expected = (2 * InterNodeAlpha) + (2.0 * (n - 1) / n * S / UbBytesPerSecond) + ((n - 1) * ReduceSeconds(Elements / n));
        Assert.Equal(expected, t.SimulatedSeconds, expected * 1e-5);
    }

    [Fact]
    public void AllToAllAcrossTwoSupernodes_SharesTheScaleOutLinks_FourTimesSlowerThanTheUbClosedForm()
    {
        // Eight ranks of one node in each of two supernodes. Half of every rank's data must cross supernodes over
        // RDMA (400 Gb/s per NPU, 2506.12708v2 §3.2); the eight ranks of a node share their leaf's uplinks, which the
        // busiest link shows near 100 %. The UB closed form (one 392 GB/s port) does not see this.
        SystemSpec cluster = Systems.CloudMatrix384Cluster(2).WithCommunication(CommunicationCosts.Ideal);
        int[] group = [.. Enumerable.Range(0, 8), .. Enumerable.Range(384, 8)];
        var options = new CollectiveOptions { Group = group };
        const int n = 16;
        var t = Collective.Estimate(cluster, CollectiveOperation.AllToAll, Elements, CollectiveDataType.Fp32, CollectiveAlgorithm.Direct, options);
        double crossAlpha = Collective.Estimate(cluster, CollectiveOperation.SendReceive, 0, CollectiveDataType.Fp32, CollectiveAlgorithm.Direct,
            new CollectiveOptions { Group = [0, 384] }).SimulatedSeconds;
        double closedForm = InterNodeAlpha + ((n - 1.0) / n * S / UbBytesPerSecond);
        double pinned = crossAlpha + (S / 2 / 50e9);
        Assert.Equal(pinned, t.SimulatedSeconds, pinned * 1e-6);
        Assert.True(t.SimulatedSeconds > 3.5 * closedForm);
        LinkUsage busiest = t.Links.MaxBy(l => l.Utilisation)!;
        Assert.Contains("rdma", busiest.LinkId + busiest.From + busiest.To, StringComparison.Ordinal);
        Assert.InRange(busiest.Utilisation, 0.95, 1.0 + 1e-9);
    }

    [Fact]
    public void Ring384_WithThePresetsUbCosts_RunsAtTheWriteEfficiencyOfTable1()
    {
        // 2506.12708v2 Table 1: UB writes reach 137 of a die's 196 GB/s, so the preset's protocol derates every UB link
        // to 137/196 of its rate; the ring's closed form then holds with that port bandwidth.
        const int n = 384;
        SystemSpec preset = Systems.CloudMatrix384();
        var t = Collective.Estimate(preset, CollectiveOperation.AllReduce, Elements, CollectiveDataType.Fp32, CollectiveAlgorithm.Ring);
        double b = UbBytesPerSecond * 137 / 196;
        double pinned = (2 * (n - 1) * (InterNodeAlpha + (S / n / b))) + ((n - 1) * ReduceSeconds(Elements / n));
        Assert.Equal("UB", t.Protocol);
        Assert.Equal(pinned, t.SimulatedSeconds, pinned * 1e-6);
    }
}
