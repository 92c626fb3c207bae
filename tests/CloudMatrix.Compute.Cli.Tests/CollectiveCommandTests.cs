using System.Text.Json;

namespace CloudMatrix.Compute.Cli.Tests;

public class CollectiveCommandTests
{
    [Fact]
    public void TimingSweep_Json_HasOneRowPerSizeWithNcclTestsBandwidths()
    {
        var (code, output, _) = CmxRunner.Run("collective", "--op", "allreduce", "--system", "cloudmatrix384", "--ranks", "8", "--algo", "ring",
            "--min-bytes", "1024", "--max-bytes", "4096", "--dtype", "fp32", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal([1024.0, 2048.0, 4096.0], rows.Select(r => r.GetProperty("bytes").GetDouble()));
        foreach (var row in rows)
        {
            Assert.Equal("ring", row.GetProperty("algo").GetString());
            double time = row.GetProperty("time_us").GetDouble() * 1e-6;
            double algbw = row.GetProperty("algbw_gbps").GetDouble();
            Assert.Equal(row.GetProperty("bytes").GetDouble() / time / 1e9, algbw, 6);
            Assert.Equal(algbw * 2 * 7 / 8, row.GetProperty("busbw_gbps").GetDouble(), 6);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("wrong").ValueKind);
        }
    }

    [Theory]
    [InlineData("allreduce", "bf16")]
    [InlineData("reducescatter", "fp32")]
    [InlineData("allgather", "bf16")]
    [InlineData("broadcast", "fp32")]
    [InlineData("reduce", "bf16")]
    [InlineData("alltoall", "fp32")]
    public void Execute_EveryAlgorithm_CountsNoWrongElements(string op, string dtype)
    {
        var (code, output, err) = CmxRunner.Run("collective", "--op", op, "--system", "cloudmatrix384", "--ranks", "7", "--algo", "all",
            "--min-bytes", "56", "--max-bytes", "3584", "--step-factor", "8", "--dtype", dtype, "--execute", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(0, r.GetProperty("wrong").GetInt64()));
    }

    [Fact]
    public void Auto_ReportsTheChosenAlgorithmAndWhy()
    {
        var (code, output, err) = CmxRunner.Run("collective", "--op", "allreduce", "--system", "gb200-nvl72", "--min-bytes", "8", "--max-bytes", "8");
        Assert.Equal(0, code);
        Assert.Contains("auto at the largest size: auto: fastest by the model", output, StringComparison.Ordinal);
        Assert.Empty(err);
    }

    [Fact]
    public void Plot_WritesAPng()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cmx-collective-{Guid.NewGuid():N}.png");
        try
        {
            var (code, _, err) = CmxRunner.Run("collective", "--op", "allgather", "--system", "gb200-nvl72", "--ranks", "8", "--algo", "ring,direct",
                "--min-bytes", "1024", "--max-bytes", "1048576", "--step-factor", "4", "--plot", path, "--json");
            Assert.True(code == 0, err);
            byte[] head = File.ReadAllBytes(path)[..8];
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, head);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("--op", "allsum")]
    [InlineData("--algo", "spiral")]
    [InlineData("--ranks", "385")]
    [InlineData("--dtype", "fp8")]
    [InlineData("--step-factor", "1")]
    [InlineData("--system", "dgx")]
    public void BadOptionValues_AreUsageErrors_NamingTheValue(string option, string value)
    {
        var args = new List<string> { "collective", "--op", "allreduce", "--min-bytes", "8", "--max-bytes", "64" };
        int at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value;
        else args.AddRange([option, value]);
        var (code, _, err) = CmxRunner.Run([.. args]);
        Assert.Equal(2, code);
        Assert.Contains(value, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_AboveTheMemoryBudget_IsRefusedWithTheWayOut()
    {
        var (code, _, err) = CmxRunner.Run("collective", "--op", "allreduce", "--max-bytes", "8589934592", "--execute");
        Assert.Equal(2, code);
        Assert.Contains("budget", err, StringComparison.Ordinal);
        Assert.Contains("drop --execute", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8", 8L)]
    [InlineData("1K", 1024L)]
    [InlineData("1k", 1024L)]
    [InlineData("64M", 64L * 1024 * 1024)]
    [InlineData("64MiB", 64L * 1024 * 1024)]
    [InlineData("64mb", 64L * 1024 * 1024)]
    [InlineData("8G", 8L * 1024 * 1024 * 1024)]
    [InlineData("512B", 512L)]
    [InlineData(" 3K ", 3072L)]
    public void SizeSuffixes_AreBinaryMultiples(string text, long bytes) =>
        Assert.Equal(bytes, CloudMatrix.Compute.Cli.Commands.CollectiveCommand.ParseBytes("--max-bytes", text));

    [Fact]
    public void MaxBytes_1G_SweepsToOneGibibyte()
    {
        var (code, output, err) = CmxRunner.Run("collective", "--op", "allreduce", "--system", "gb200-nvl72", "--ranks", "8", "--algo", "ring",
            "--min-bytes", "512M", "--max-bytes", "1G", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        double[] sizes = [.. doc.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("bytes").GetDouble())];
        Assert.Equal([512.0 * 1024 * 1024, 1024.0 * 1024 * 1024], sizes);
    }

    [Theory]
    [InlineData("--max-bytes", "1X")]
    [InlineData("--max-bytes", "1.5K")]
    [InlineData("--min-bytes", "-8")]
    [InlineData("--min-bytes", "K")]
    [InlineData("--max-bytes", "8KiBB")]
    [InlineData("--max-bytes", "8iB")]
    [InlineData("--max-bytes", "99999999999G")]
    public void BadSizes_AreUsageErrors_NamingOptionValueAndForm(string option, string value)
    {
        var args = new List<string> { "collective", "--op", "allreduce", "--min-bytes", "8", "--max-bytes", "64" };
        args[args.IndexOf(option) + 1] = value;
        var (code, _, err) = CmxRunner.Run([.. args]);
        Assert.Equal(2, code);
        Assert.Contains($"{option} '{value}'", err, StringComparison.Ordinal);
        Assert.Contains("K (1024), M (2^20) or G (2^30)", err, StringComparison.Ordinal);
    }
}
