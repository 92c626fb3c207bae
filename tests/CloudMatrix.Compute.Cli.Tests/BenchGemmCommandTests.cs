using System.Text.Json;

namespace CloudMatrix.Compute.Cli.Tests;

public class BenchGemmCommandTests
{
    [Fact]
    public void Bf16Output_IsCheckedAgainstFp64_WithItsRoundingInTheBound()
    {
        var (code, output, _) = CmxRunner.Run("bench", "gemm", "--m", "33", "--n", "29", "--k", "300", "--threads", "1", "--repeat", "1", "--bf16-output", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal("bf16", root.GetProperty("output_type").GetString());
        // The FP32 accumulation bound 2 (k + 4) 2^-24 plus one bfloat16 rounding, 2^-8.
        Assert.Equal((2.0 * (300 + 4) * Math.Pow(2, -24)) + Math.Pow(2, -8), root.GetProperty("error_bound").GetDouble(), 15);
        // A bfloat16 C is rounded: its error is far above FP32's, yet within the bound.
        Assert.InRange(root.GetProperty("max_rel_error").GetDouble(), 1e-5, root.GetProperty("error_bound").GetDouble());
        Assert.True(root.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public void SampledCheck_CoversTheFirstAndLastRowAndColumn()
    {
        // 600 x 520 x 500 is above 2^27 multiply-adds: 4096 random elements plus two rows of 520 and two columns of 600.
        var (code, output, _) = CmxRunner.Run("bench", "gemm", "--m", "600", "--n", "520", "--k", "500", "--repeat", "1", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(4096 + (2 * 520) + (2 * 600), doc.RootElement.GetProperty("checked_elements").GetInt64());
        Assert.Equal("fp32", doc.RootElement.GetProperty("output_type").GetString());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Json_ReportsShapeKernelSpeedAndAnErrorWithinTheBound(bool transA, bool transB)
    {
        var args = new List<string> { "bench", "gemm", "--m", "37", "--n", "45", "--k", "70", "--threads", "2", "--repeat", "2", "--json" };
        if (transA) args.Add("--trans-a");
        if (transB) args.Add("--trans-b");
        var (code, output, _) = CmxRunner.Run([.. args]);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal(37, root.GetProperty("m").GetInt32());
        Assert.Equal(45, root.GetProperty("n").GetInt32());
        Assert.Equal(70, root.GetProperty("k").GetInt32());
        Assert.Equal(2, root.GetProperty("threads").GetInt32());
        Assert.Equal(transA, root.GetProperty("trans_a").GetBoolean());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("kernel").GetString()));
        double seconds = root.GetProperty("seconds").GetDouble();
        Assert.True(seconds > 0);
        Assert.Equal(2.0 * 37 * 45 * 70 / seconds / 1e9, root.GetProperty("gflops").GetDouble(), 6);
        Assert.Equal(37 * 45, root.GetProperty("checked_elements").GetInt64());
        Assert.InRange(root.GetProperty("max_rel_error").GetDouble(), 0, root.GetProperty("error_bound").GetDouble());
        Assert.True(root.GetProperty("passed").GetBoolean());
        if (root.GetProperty("peak_gflops").ValueKind != JsonValueKind.Null)
        {
            double peak = root.GetProperty("peak_gflops").GetDouble();
            Assert.True(peak > 0);
            Assert.False(string.IsNullOrEmpty(root.GetProperty("peak_instruction").GetString()));
            Assert.Equal(root.GetProperty("gflops").GetDouble() / peak, root.GetProperty("peak_fraction").GetDouble(), 9);
            Assert.InRange(root.GetProperty("peak_fraction").GetDouble(), double.Epsilon, 1.2);
        }
    }

    [Fact]
    public void HumanOutput_NamesTheSpeedAndTheCheck()
    {
        var (code, output, _) = CmxRunner.Run("bench", "gemm", "--m", "20", "--n", "20", "--k", "20", "--repeat", "1");
        Assert.Equal(0, code);
        Assert.Contains("GFLOP/s", output, StringComparison.Ordinal);
        Assert.Contains("ok", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--m", "0")]
    [InlineData("--threads", "-2")]
    [InlineData("--repeat", "0")]
    public void NonPositiveValue_IsUsageError_NamingTheOption(string option, string value)
    {
        var args = new List<string> { "bench", "gemm", "--m", "8", "--n", "8", "--k", "8" };
        int at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (code, _, err) = CmxRunner.Run([.. args]);
        Assert.Equal(2, code);
        Assert.Contains(option, err, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingDimension_IsUsageError()
    {
        var (code, _, _) = CmxRunner.Run("bench", "gemm", "--m", "8", "--n", "8");
        Assert.Equal(2, code);
    }
}
