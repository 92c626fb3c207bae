using System.Text.Json;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli.Tests;

public class MainJobTests
{
    [Fact]
    public void MainJob_Json_ComputeTimeIsTheShardRoofline()
    {
        var (code, output, _) = CmxRunner.Run("--size", "768", "--estimate", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement simulated = doc.RootElement.GetProperty("simulated");

        // Hand-worked: 768 / 48 = 16 rows, 768 / 8 = 96 K columns per NPU, N = 768.
        NpuSpec npu = Systems.CloudMatrix384().Npu;
        double flops = 2.0 * 16 * 768 * 96;
        double bytes = 2.0 * ((16 * 96) + (96 * 768) + (16 * 768));
        double expected = Math.Max(flops / npu.Bf16FlopsPerSecond, bytes / npu.HbmBytesPerSecond);
        Assert.Equal(expected, simulated.GetProperty("compute_seconds").GetDouble(), expected * 1e-12);

        double step = simulated.GetProperty("step_seconds").GetDouble();
        double comm = simulated.GetProperty("all_reduce_seconds").GetDouble();
        Assert.True(comm > 0);
        Assert.Equal(expected + comm, step, step * 1e-12);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("host").ValueKind);
    }

    [Fact]
    public void MainJob_RealRun_ResultMatchesFp64WithinTheBf16WireBound()
    {
        var (code, output, _) = CmxRunner.Run("--size", "768", "--backend", "cpu-simd", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement host = doc.RootElement.GetProperty("host");
        Assert.Equal(48 * 768, host.GetProperty("spot_checked_elements").GetInt32());

        // Each of the 8 BF16 partials is rounded once when stored and each partial sum again per hop: at most
        // 8 + 7 roundings of half a BF16 ulp (2^-9 relative) of a value no larger than max |C| times a small factor.
        double maxAbsReference = host.GetProperty("max_abs_reference").GetDouble();
        double bound = 15 * Math.Pow(2, -9) * maxAbsReference;
        double maxAbs = host.GetProperty("max_abs_error").GetDouble();
        Assert.InRange(maxAbs, 0, bound);
        Assert.True(maxAbs > 0, "BF16 rounding of the partials must leave some error against FP64");
    }

    [Fact]
    public void MainJob_SizeNotAMultipleOf48_IsUsageError()
    {
        var (code, _, err) = CmxRunner.Run("--size", "100", "--estimate");
        Assert.Equal(2, code);
        Assert.Contains("--size is 100", err, StringComparison.Ordinal);
    }
}
