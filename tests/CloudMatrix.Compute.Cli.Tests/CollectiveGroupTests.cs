using System.Text.Json;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli.Tests;

/// <summary><c>cmx collective</c>'s choice of system and group: --topology, --supernodes, --mesh/--group, --root, --op sendrecv.</summary>
public class CollectiveGroupTests
{
    private static readonly string[] OneSize = ["--min-bytes", "1M", "--max-bytes", "1M", "--json"];

    private static (int[] Group, double TimeUs, string System) Sweep(params string[] args)
    {
        var (code, output, err) = CmxRunner.Run(["collective", .. args, .. OneSize]);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        int[] group = [.. root.GetProperty("group").EnumerateArray().Select(e => e.GetInt32())];
        Assert.Equal(group.Length, root.GetProperty("ranks").GetInt32());
        return (group, root.GetProperty("rows")[0].GetProperty("time_us").GetDouble(), root.GetProperty("system").GetString()!);
    }

    [Fact]
    public void GroupTp_OnCloudMatrix384_IsTheFirstNodesEightNpus_TimedAsTheSameGroupGivenExplicitly()
    {
        var (tp, tpTime, _) = Sweep("--op", "allreduce", "--mesh", "dp=48,tp=8", "--group", "tp");
        var (ranks, ranksTime, _) = Sweep("--op", "allreduce", "--ranks", "8");
        var (listed, listedTime, _) = Sweep("--op", "allreduce", "--group", "0-7");
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], tp);
        Assert.Equal(tp, ranks);
        Assert.Equal(tp, listed);
        Assert.Equal(ranksTime, tpTime);
        Assert.Equal(listedTime, tpTime);
    }

    [Fact]
    public void GroupDp_IsEveryEighthNpu_AndCrossesNodes()
    {
        var (dp, dpTime, _) = Sweep("--op", "allreduce", "--mesh", "dp=48,tp=8", "--group", "dp");
        Assert.Equal(Enumerable.Range(0, 48).Select(i => 8 * i), dp);
        var (tp, tpTime, _) = Sweep("--op", "allreduce", "--mesh", "dp=48,tp=8", "--group", "tp");
        Assert.Equal(8, tp.Length);

        // 48 ranks across 48 nodes take longer than 8 ranks inside one node for the same 1 MiB.
        Assert.True(dpTime > tpTime, $"dp {dpTime} us, tp {tpTime} us");
    }

    [Theory]
    [InlineData(new[] { "--group", "tp" }, "--mesh")]
    [InlineData(new[] { "--mesh", "dp=48,tp=8", "--group", "pp" }, "pp")]
    [InlineData(new[] { "--mesh", "dp=48,tp=8" }, "--group")]
    [InlineData(new[] { "--mesh", "dp=47,tp=8", "--group", "tp" }, "dp=47,tp=8")]
    [InlineData(new[] { "--ranks", "8", "--group", "0-7" }, "--ranks")]
    [InlineData(new[] { "--group", "0-400" }, "0-400")]
    [InlineData(new[] { "--group", "3,3" }, "3,3")]
    public void BadGroups_AreUsageErrorsNamingTheCulprit(string[] groupArgs, string named)
    {
        var (code, _, err) = CmxRunner.Run(["collective", "--op", "allreduce", .. groupArgs, .. OneSize]);
        Assert.Equal(2, code);
        Assert.Contains(named, err, StringComparison.Ordinal);
    }

    [Fact]
    public void SendRecv_DefaultsToTwoDevices_AndCopiesExactly()
    {
        var (code, output, err) = CmxRunner.Run("collective", "--op", "sendrecv", "--min-bytes", "1K", "--max-bytes", "64K", "--step-factor", "8", "--execute", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("sendrecv", doc.RootElement.GetProperty("operation").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("ranks").GetInt32());
        var rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(3, rows.Length);
        Assert.All(rows, r => Assert.Equal(0, r.GetProperty("wrong").GetInt64()));
        Assert.All(rows, r => Assert.Equal("none", r.GetProperty("redop").GetString()));
    }

    [Fact]
    public void SendRecv_BetweenNodes_IsSlowerThanWithinANode()
    {
        var (_, within, _) = Sweep("--op", "sendrecv", "--group", "0,1");
        var (_, across, _) = Sweep("--op", "sendrecv", "--group", "0,8");
        Assert.True(across >= within, $"across {across} us, within {within} us");
    }

    [Fact]
    public void SendRecv_WithThreeRanks_IsAUsageError()
    {
        var (code, _, err) = CmxRunner.Run(["collective", "--op", "sendrecv", "--ranks", "3", .. OneSize]);
        Assert.Equal(2, code);
        Assert.Contains("exactly two", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Root_IsReportedAndHonoured_InBroadcastAndReduce()
    {
        foreach (string op in new[] { "broadcast", "reduce" })
        {
            var (code, output, err) = CmxRunner.Run("collective", "--op", op, "--ranks", "8", "--root", "5", "--algo", "all",
                "--min-bytes", "4K", "--max-bytes", "4K", "--execute", "--json");
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(output);
            Assert.Equal(5, doc.RootElement.GetProperty("root").GetInt32());
            Assert.All(doc.RootElement.GetProperty("rows").EnumerateArray(), r =>
            {
                Assert.Equal(5, r.GetProperty("root").GetInt32());
                Assert.Equal(0, r.GetProperty("wrong").GetInt64());
            });
        }
    }

    [Fact]
    public void Root_OutsideTheGroup_IsAUsageError()
    {
        var (code, _, err) = CmxRunner.Run(["collective", "--op", "broadcast", "--ranks", "8", "--root", "9", .. OneSize]);
        Assert.Equal(2, code);
        Assert.Contains("--root 9", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Topology_File_IsTheSystem()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cmx-collective-{Guid.NewGuid():N}.json");
        try
        {
            TopologyFile.Save(TopologyBuilder.SingleSwitch(6, 50e9, 1e-6), path);
            var (group, time, system) = Sweep("--op", "allreduce", "--topology", path);
            Assert.Equal([0, 1, 2, 3, 4, 5], group);
            Assert.Equal(TopologyFile.Load(path).Name, system);
            Assert.True(time > 0);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Topology_MalformedFile_FailsWithExit2NamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cmx-malformed-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, "{ \"format\": \"cmx-topology\", \"version\": 1, \"devices\": [ ");
            var (code, _, err) = CmxRunner.Run(["collective", "--op", "allreduce", "--topology", path, .. OneSize]);
            Assert.Equal(2, code);
            Assert.Contains(path, err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Topology_AndSystem_TogetherAreAUsageError()
    {
        var (code, _, err) = CmxRunner.Run(["collective", "--op", "allreduce", "--system", "gb200-nvl72", "--topology", "x.json", .. OneSize]);
        Assert.Equal(2, code);
        Assert.Contains("--topology", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Supernodes_JoinsCloudMatrix384s_AndTheGroupSpansThem()
    {
        var (group, time, _) = Sweep("--op", "allreduce", "--supernodes", "2", "--algo", "ring");
        Assert.Equal(768, group.Length);
        var (one, oneTime, _) = Sweep("--op", "allreduce", "--algo", "ring");
        Assert.Equal(384, one.Length);
        Assert.True(time > oneTime, $"768 ranks {time} us, 384 ranks {oneTime} us");
    }
}
