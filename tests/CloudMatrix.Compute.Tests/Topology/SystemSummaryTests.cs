using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Topology;

public class SystemSummaryTests
{
    private static void Near(double expected, double actual, double relative) =>
        Assert.True(Math.Abs(actual - expected) <= relative * Math.Abs(expected), $"expected {expected} (±{relative:P1}), was {actual}");

    [Theory]
    [InlineData(DeviceGranularity.Npu, 384)]
    [InlineData(DeviceGranularity.Die, 768)]
    public void CloudMatrix384_ReproducesTheSeedArticleTable_FromPerPartFigures(DeviceGranularity granularity, int devices)
    {
        SystemSummary s = Systems.CloudMatrix384(granularity).Summarize();
        Assert.Equal(devices, s.Devices);
        Near(300, s.Bf16Pflops, 0.01);          // seed article: 300 PFLOPS BF16
        Near(49.2, s.HbmTb, 0.001);             // 384 x 128 GB = 49.152 TB
        Near(1229, s.HbmTbps, 0.001);           // 384 x 3.2 TB/s = 1,228.8 TB/s
        Assert.Equal(559, s.PowerKw);           // stored system total (SemiAnalysis)
        Assert.Equal(8, s.CostMusd);
        Assert.Equal(6912, s.OpticalTransceivers);
        Assert.Equal(5376, s.ScaleUpTransceivers);   // 48 x 7 x 16 L1-L2 links
        Assert.Equal(1536, s.ScaleOutTransceivers);
        Assert.Equal(192, s.Cpus);
        Assert.Equal(48, s.Nodes);
        Assert.Equal(16, s.Racks);
    }

    [Fact]
    public void CloudMatrix384_HasThePapersFabric()
    {
        SystemSpec s = Systems.CloudMatrix384();
        Assert.Equal(7 * 48, s.Switches.Count(w => w.Tier == "l1"));
        Assert.Equal(7 * 16, s.Switches.Count(w => w.Tier == "l2"));
        // L1 chip k of every node links to every L2 chip of sub-plane k, and to nothing else in the L2 tier.
        var l1l2 = s.Links.Where(l => l.Medium == LinkMedium.Optical && l.Network == LinkNetwork.ScaleUp).ToList();
        Assert.Equal(5376, l1l2.Count);
        foreach (LinkSpec l in l1l2)
        {
            SwitchSpec a = s.Switches[s.VertexIndex(l.From) - s.DeviceCount];
            SwitchSpec b = s.Switches[s.VertexIndex(l.To) - s.DeviceCount];
            Assert.Equal("l1", a.Tier);
            Assert.Equal("l2", b.Tier);
            Assert.Equal(a.Plane, b.Plane);
            Assert.Equal(28e9, l.BandwidthBytesPerSecond);
        }

        Assert.Equal(5376, l1l2.Select(l => (l.From, l.To)).Distinct().Count());
        // Each NPU: 14 UB links of 28 GB/s = 392 GB/s, two to each of its node's 7 L1 chips.
        SystemSummary sum = s.Summarize();
        Assert.Equal(0.392, sum.ScaleUpTbpsPerDevice, 12);
        // Bisection over the UB fabric: 192 NPUs x 392 GB/s = 24 nodes x 3,136 GB/s of uplinks.
        Assert.Equal(192 * 392e9 / 1e12, sum.ScaleUpBisectionTbps, 9);
        // The RDMA plane adds 192 x 50 GB/s.
        Assert.Equal((192 * 392e9 + 192 * 50e9) / 1e12, sum.BisectionTbps, 9);
    }

    [Fact]
    public void Gb200Nvl72_ReproducesTheSeedArticleTable()
    {
        SystemSummary s = Systems.Gb200Nvl72().Summarize();
        Assert.Equal(72, s.Devices);
        Near(180, s.Bf16Pflops, 0.01);
        Near(13.8, s.HbmTb, 0.002);             // 72 x 192 GB = 13.824 TB
        Near(576, s.HbmTbps, 0.001);
        Assert.Equal(145, s.PowerKw);
        Assert.Equal(18, s.SwitchChips);
        Assert.Equal(36, s.Cpus);
        Assert.Equal(0.9, s.ScaleUpTbpsPerDevice, 12);   // 18 links x 50 GB/s
        Assert.Equal(36 * 0.9, s.BisectionTbps, 9);
        Assert.Equal(s.Bf16Pflops / s.PowerKw, s.PflopsPerKw, 12);
        Assert.Equal(s.HbmTbps / s.CostMusd, s.HbmTbpsPerMusd, 12);
    }

    [Fact]
    public void ByName_KnowsThePresets_AndListsThemForAnUnknownName()
    {
        Assert.Equal(384, Systems.ByName("cloudmatrix384").DeviceCount);
        Assert.Equal(768, Systems.ByName("CloudMatrix384", DeviceGranularity.Die).DeviceCount);
        Assert.Equal(72, Systems.ByName("gb200-nvl72").DeviceCount);
        var ex = Assert.Throws<ArgumentException>(() => Systems.ByName("dgx-h100"));
        Assert.Contains("cloudmatrix384", ex.Message, StringComparison.Ordinal);
        Assert.Contains("gb200-nvl72", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dgx-h100", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DieGranularity_SplitsEveryChipFigureInTwo_AndJoinsSiblingDies()
    {
        SystemSpec npu = Systems.CloudMatrix384();
        SystemSpec die = Systems.CloudMatrix384(DeviceGranularity.Die);
        Assert.Equal(npu.Npu.Bf16FlopsPerSecond / 2, die.Npu.Bf16FlopsPerSecond);
        Assert.Equal(64_000_000_000, die.Npu.HbmCapacityBytes);
        Assert.Equal(1.6e12, die.Npu.HbmBytesPerSecond);
        Assert.Equal(384, die.Links.Count(l => l.Medium == LinkMedium.OnPackage));
        Assert.All(die.Devices, d => Assert.InRange(d.DieIndex, 0, 1));
        Assert.All(npu.Devices, d => Assert.Equal(-1, d.DieIndex));
        Assert.Equal(0.196, die.Summarize().ScaleUpTbpsPerDevice, 12);   // 7 x 28 GB/s per die
        // The descriptive link figures agree with the links the preset built.
        Assert.Equal(14, npu.Npu.ScaleUpLinks);
        Assert.Equal(7, die.Npu.ScaleUpLinks);
        Assert.Equal(npu.Npu.ScaleUpLinks * npu.Npu.ScaleUpLinkBytesPerSecond, npu.Summarize().ScaleUpTbpsPerDevice * 1e12, 3);
        Assert.Equal(npu.Npu.ScaleOutBytesPerSecond, npu.Links.Where(l => l.From == npu.Devices[0].Id && l.Network == LinkNetwork.ScaleOut).Sum(l => l.BandwidthBytesPerSecond));
        Assert.Equal(die.Npu.ScaleOutBytesPerSecond, die.Links.Where(l => l.From == die.Devices[0].Id && l.Network == LinkNetwork.ScaleOut).Sum(l => l.BandwidthBytesPerSecond));
        Assert.Equal(die.Npu.DieToDieBytesPerSecond, die.Links.Single(l => l.Medium == LinkMedium.OnPackage && l.From == die.Devices[0].Id).BandwidthBytesPerSecond);
    }
}
