using System.Text.Json;

namespace CloudMatrix.Compute.Cli.Tests;

public class BenchPeakCommandTests
{
    [Fact]
    public void Json_ReportsEveryLimit_PositiveWhereMeasured()
    {
        var (code, output, _) = CmxRunner.Run("bench", "peak", "--threads", "2", "--memory-mib", "8", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("threads").GetInt32());
        Assert.Equal(12, root.GetProperty("accumulators").GetInt32());
        Assert.Equal(8L << 20, root.GetProperty("memory_bytes").GetInt64());
        foreach (string field in new[] { "bf16_dot_gflops_one_thread", "bf16_dot_gflops", "fp32_fma_gflops_one_thread", "fp32_fma_gflops" })
        {
            JsonElement value = root.GetProperty(field);
            Assert.True(value.ValueKind == JsonValueKind.Null || value.GetDouble() > 0, $"{field} = {value}");
        }

        foreach (string field in new[] { "memory_read_gbps_one_thread", "memory_read_gbps", "memory_copy_gbps_one_thread", "memory_copy_gbps" })
        {
            Assert.True(root.GetProperty(field).GetDouble() > 0, field);
        }

        Assert.True(root.GetProperty("cpu_family").GetInt32() >= 0);
    }

    [Fact]
    public void HumanOutput_NamesTheInstructionsAndMemory()
    {
        var (code, output, _) = CmxRunner.Run("bench", "peak", "--memory-mib", "4");
        Assert.Equal(0, code);
        Assert.Contains("vdpbf16ps", output, StringComparison.Ordinal);
        Assert.Contains("FMA", output, StringComparison.Ordinal);
        Assert.Contains("memory read GB/s", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--accumulators", "0")]
    [InlineData("--accumulators", "31")]
    [InlineData("--threads", "0")]
    [InlineData("--memory-mib", "0")]
    public void OutOfRangeValue_IsUsageError_NamingTheOption(string option, string value)
    {
        var (code, _, err) = CmxRunner.Run("bench", "peak", option, value);
        Assert.Equal(2, code);
        Assert.Contains(option, err, StringComparison.Ordinal);
    }
}
