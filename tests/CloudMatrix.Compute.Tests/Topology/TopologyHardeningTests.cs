using CloudMatrix.Compute.Memory;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Topology;

/// <summary>The topology-file hardening cases: each bad file is a <see cref="TopologyFormatException"/> naming the JSON path.</summary>
public class TopologyHardeningTests
{
    private static string Valid => TopologyFile.ToJson(TopologyBuilder.SingleSwitch(4, 1e9, 1e-6));

    private static TopologyFormatException Refused(string json) =>
        Assert.Throws<TopologyFormatException>(() => TopologyFile.Parse(json, "t.json"));

    [Theory]
    [InlineData("\"nodes\": 4", "\"nodes\": -3", "nodes")]
    [InlineData("\"supernodes\": 1", "\"supernodes\": -1", "supernodes")]
    public void NegativeCounts_AreRefused_NotRederived(string from, string to, string path)
    {
        Assert.Contains(from, Valid, StringComparison.Ordinal);
        TopologyFormatException ex = Refused(Valid.Replace(from, to, StringComparison.Ordinal));
        Assert.Equal(path, ex.JsonPath);
    }

    [Fact]
    public void DuplicateKey_IsRefused_NotLastWins()
    {
        TopologyFormatException ex = Refused(Valid.Replace("\"nodes\": 4", "\"nodes\": 4, \"nodes\": 5", StringComparison.Ordinal));
        Assert.Contains("nodes", ex.Reason, StringComparison.Ordinal);
        Assert.Equal("$", ex.JsonPath);
    }

    [Fact]
    public void DuplicateKey_InANestedObject_NamesItsPath()
    {
        string from = "\"id\": \"d1\"";
        Assert.Contains(from, Valid, StringComparison.Ordinal);
        TopologyFormatException ex = Refused(Valid.Replace(from, from + ", \"id\": \"d9\"", StringComparison.Ordinal));
        Assert.Equal("devices[1]", ex.JsonPath);
        Assert.Equal("the key 'id' appears more than once in this object; give it once", ex.Reason);
    }

    [Theory]
    [InlineData("\"single-switch\"", "\"\\ud800\"", "name")]
    [InlineData("\"tier\": \"ideal\"", "\"tier\": \"a\\udfffb\"", "switches[0].tier")]
    [InlineData("\"format\": \"cmx-topology\"", "\"format\": \"cmx-topology\", \"\\ud800\": 1", "$")]
    public void LoneSurrogate_IsAFormatErrorAtItsPath(string from, string to, string path)
    {
        Assert.Contains(from, Valid, StringComparison.Ordinal);
        TopologyFormatException ex = Refused(Valid.Replace(from, to, StringComparison.Ordinal));
        Assert.Equal(path, ex.JsonPath);
        Assert.Contains("surrogate", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NumberBeyondDoubleRange_IsAFormatErrorAtItsPath()
    {
        TopologyFormatException ex = Refused(Valid.Replace("\"power_watts\": 0", "\"power_watts\": 1e400", StringComparison.Ordinal));
        Assert.Equal("power_watts", ex.JsonPath);
    }

    [Fact]
    public void CpuCountTimesNodesBeyondInt_IsRefused()
    {
        TopologyFormatException ex = Refused(Valid.Replace("\"cpu\": null",
            "\"cpu\": { \"name\": \"c\", \"count_per_node\": 2000000000 }", StringComparison.Ordinal));
        Assert.Equal("cpu.count_per_node", ex.JsonPath);
    }

    [Fact]
    public void CpuCount_AtTheLimit_IsExact()
    {
        // 4 nodes x 536,870,911 = 2,147,483,644 <= int.MaxValue: accepted, and counted without wrapping.
        SystemSpec s = TopologyFile.Parse(Valid.Replace("\"cpu\": null",
            "\"cpu\": { \"name\": \"c\", \"count_per_node\": 536870911 }", StringComparison.Ordinal));
        Assert.Equal(2_147_483_644, s.CpuCount);
    }

    [Fact]
    public void DevicesJoinedOnlyByScaleOutInsideOneSupernode_AreRefused()
    {
        var b = new TopologyBuilder("scale-out-only", TopologyBuilder.IdealNpu);
        b.AddDevice("a");
        b.AddDevice("b", node: 1);
        b.AddLink("a", "b", 1e9, 1e-6, network: LinkNetwork.ScaleOut);
        var ex = Assert.Throws<ArgumentException>(() => b.Build());
        Assert.Equal("devices[1]", ex.ParamName);
        Assert.Contains("scale-up", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoSupernodesJoinedOnlyByScaleUp_AreRefused()
    {
        var b = new TopologyBuilder("scale-up-only", TopologyBuilder.IdealNpu);
        b.AddDevice("a", supernode: 0);
        b.AddDevice("b", node: 1, supernode: 1);
        b.AddLink("a", "b", 1e9, 1e-6);
        var ex = Assert.Throws<ArgumentException>(() => b.Build());
        Assert.Contains("scale-out", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryPreset_StillValidates()
    {
        foreach (string name in Systems.Names)
        {
            Assert.True(Systems.ByName(name).DeviceCount > 0);
        }

        Assert.Equal(768, Systems.CloudMatrix384Cluster(2).DeviceCount);
        Assert.Equal(16, Systems.HgxH100(2).DeviceCount);
    }

    [Fact]
    public void TorusBeyondMaxDevices_IsOutOfRange_NotOverflow()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => TopologyBuilder.Torus([100_000, 100_000], 1e9, 0));
        Assert.Equal("dimensions", ex.ParamName);
    }

    [Fact]
    public void TorusBeyondTheBudget_IsRefusedWithNeedAndBudget()
    {
        // 4e6 devices x (512 + 2 x 1024) bytes = 10,240,000,000 bytes, above the 4 GiB default budget.
        var ex = Assert.Throws<MemoryBudgetExceededException>(() => TopologyBuilder.Torus([2000, 2000], 1e9, 0));
        Assert.Equal(10_240_000_000, ex.NeedBytes);
        Assert.True(ex.BudgetBytes <= MemoryBudget.DefaultBytes);
    }

    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("16G", 16L << 30)]
    [InlineData("1.5k", 1536L)]
    [InlineData("2t", 2L << 40)]
    public void BudgetText_IsParsed(string text, long bytes) => Assert.Equal(bytes, MemoryBudget.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("16Q")]
    [InlineData("lots")]
    [InlineData("1e30")]
    public void BadBudgetText_IsRefused(string text) => Assert.Null(MemoryBudget.Parse(text));
}
