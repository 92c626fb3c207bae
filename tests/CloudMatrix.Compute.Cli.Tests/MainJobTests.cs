using System.Text.Json;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli.Tests;

public class MainJobTests
{
    [Fact]
    public void MainJob_Json_ComputeTimeIsTheShardRoofline()
    {
        var (code, output, _) = CmxRunner.Run("--size", "768", "--strategy", "row-parallel", "--mesh", "dp=48,tp=8", "--estimate", "--compare", "none", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement.GetProperty("run");

        // Hand-worked: 768 / 48 = 16 rows, 768 / 8 = 96 K columns per NPU, N = 768.
        NpuSpec npu = Systems.CloudMatrix384().Npu;
        double flops = 2.0 * 16 * 768 * 96;
        double bytes = 2.0 * ((16 * 96) + (96 * 768) + (16 * 768));
        double expected = Math.Max(flops / npu.Bf16FlopsPerSecond, bytes / npu.HbmBytesPerSecond);
        Assert.Equal(expected, root.GetProperty("compute_seconds").GetDouble(), expected * 1e-12);

        // Row-parallel: the all-reduce waits for the GEMMs, so the step is their sum.
        double step = root.GetProperty("simulated_seconds").GetDouble();
        double comm = root.GetProperty("comm_seconds").GetDouble();
        Assert.True(comm > 0);
        Assert.Equal(expected + comm, step, step * 1e-12);
        Assert.Equal(comm, root.GetProperty("exposed_comm_seconds").GetDouble(), step * 1e-12);
        Assert.Equal("row-parallel", root.GetProperty("strategy").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("max_abs_error").ValueKind);
        Assert.False(root.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public void MainJob_RealRun_ResultMatchesFp64WithinTheBf16WireBound()
    {
        var (code, output, _) = CmxRunner.Run("--size", "768", "--strategy", "row-parallel", "--mesh", "dp=48,tp=8", "--backend", "cpu-simd", "--compare", "none", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement.GetProperty("run");
        Assert.Equal(768 * 768, root.GetProperty("checked_elements").GetInt64());
        Assert.True(root.GetProperty("verified").GetBoolean());

        // Each of the 8 BF16 partials is rounded once when stored and each partial sum again per hop: at most
        // 8 + 7 roundings of half a BF16 ulp (2^-9 relative) of a value no larger than max |C| times a small factor.
        double maxRel = root.GetProperty("max_rel_error").GetDouble();
        Assert.InRange(maxRel, 0, 15 * Math.Pow(2, -9));
        Assert.True(maxRel > 0, "BF16 rounding of the partials must leave some error against FP64");
        Assert.True(root.GetProperty("host_execute_seconds").GetDouble() > 0);
    }

    [Fact]
    public void MainJob_Auto_RunsThePlannersBest_AndComparesSystems()
    {
        var (code, output, _) = CmxRunner.Run("--size", "1536", "--estimate", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        JsonElement best = root.GetProperty("ranking")[0];
        Assert.Equal(best.GetProperty("strategy").GetString(), root.GetProperty("run").GetProperty("strategy").GetString());
        Assert.Equal(best.GetProperty("simulated_seconds").GetDouble(), root.GetProperty("run").GetProperty("simulated_seconds").GetDouble(), 1e-15);
        var systems = root.GetProperty("systems").EnumerateArray().Select(s => s.GetProperty("system").GetString()).ToArray();
        Assert.Equal(new[] { "cloudmatrix384", "gb200-nvl72" }, systems);
    }

    [Theory]
    [InlineData("--size 768 --m 512", "--size")]
    [InlineData("--system gb200-nvl72 --topology x.json", "--topology")]
    [InlineData("--size 0", "--size is 0")]
    [InlineData("--mesh dp=48,tp=8", "--mesh")]
    [InlineData("--backend foo", "--backend foo")]
    public void MainJob_ConflictingOrBadOptions_AreUsageErrors(string args, string expected)
    {
        var (code, _, err) = CmxRunner.Run([.. args.Split(' '), "--estimate"]);
        Assert.Equal(2, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }
}
