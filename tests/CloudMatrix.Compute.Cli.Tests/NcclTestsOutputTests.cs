using System.Globalization;
using System.Text.RegularExpressions;

namespace CloudMatrix.Compute.Cli.Tests;

/// <summary>
/// Reads <c>cmx collective</c>'s table the way scripts read nccl-tests' output: lines that do not start with '#'
/// are data, split on whitespace, columns by position (size, count, type, redop, root, then time, algbw, busbw,
/// #wrong out of place and again in place), and the closing <c>"# Avg bus bandwidth    : X"</c> line. Bandwidths
/// follow nccl-tests' doc/PERFORMANCE.md: algbw = S / t, busbw = algbw × the operation's factor.
/// </summary>
public partial class NcclTestsOutputTests
{
    private sealed record NcclRow(long Size, long Count, string Type, string Redop, int Root,
        double Time, double Algbw, double Busbw, string Wrong, double InTime, double InAlgbw, double InBusbw, string InWrong);

    [GeneratedRegex(@"^# Avg bus bandwidth\s*:\s*(\S+)", RegexOptions.Multiline)]
    private static partial Regex AvgBusBandwidth();

    private static List<NcclRow> ParseRows(string output) =>
    [
        .. output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l =>
        {
            string[] f = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            return new NcclRow(long.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture), f[2], f[3],
                int.Parse(f[4], CultureInfo.InvariantCulture), D(5), D(6), D(7), f[8], D(9), D(10), D(11), f[12]);
        }),
    ];

    [Theory]
    [InlineData("allreduce", "bf16", "bfloat16", 2, "sum", -1, 2.0 * 7 / 8, 1)]
    [InlineData("reducescatter", "fp32", "float", 4, "sum", -1, 7.0 / 8, 8)]
    [InlineData("allgather", "bf16", "bfloat16", 2, "none", -1, 7.0 / 8, 8)]
    [InlineData("alltoall", "fp32", "float", 4, "none", -1, 7.0 / 8, 8)]
    [InlineData("broadcast", "bf16", "bfloat16", 2, "none", 0, 1.0, 1)]
    [InlineData("reduce", "fp32", "float", 4, "sum", 0, 1.0, 1)]
    public void Table_ParsedWithNcclTestsColumnLayout_HasItsCountsBandwidthsAndAverage(
        string op, string dtype, string typeName, int elementBytes, string redop, int root, double busFactor, int countDivisor)
    {
        var (code, output, err) = CmxRunner.Run("collective", "--op", op, "--system", "cloudmatrix384", "--ranks", "8", "--algo", "auto",
            "--min-bytes", "1K", "--max-bytes", "1M", "--step-factor", "8", "--dtype", dtype, "--execute");
        Assert.True(code == 0, err);

        var rows = ParseRows(output);
        Assert.Equal([1024L, 8192, 65536, 524288], rows.Select(r => r.Size));
        foreach (var r in rows)
        {
            // count is per rank as nccl-tests defines it for the operation.
            Assert.Equal(r.Size / elementBytes / countDivisor, r.Count);
            Assert.Equal(typeName, r.Type);
            Assert.Equal(redop, r.Redop);
            Assert.Equal(root, r.Root);
            Assert.Equal(r.Size / (r.Time * 1e3), r.Algbw, 0.011 + (r.Algbw * 0.01));      // S/t, time printed in µs with 2-3 digits
            Assert.Equal(r.Algbw * busFactor, r.Busbw, 0.011);
            Assert.Equal("0", r.Wrong);
            Assert.Equal(r.Time, r.InTime);
            Assert.Equal(op is "reducescatter" or "allgather" ? "N/A" : "0", r.InWrong);
        }

        Match avg = AvgBusBandwidth().Match(output);
        Assert.True(avg.Success, output);
        double expected = rows.Average(r => (r.Busbw + r.InBusbw) / 2);
        Assert.Equal(expected, double.Parse(avg.Groups[1].Value, CultureInfo.InvariantCulture), 0.01);
        Assert.Contains("# Out of bounds values : 0 OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralAlgorithms_GiveOneNcclTestsBlockEach_WithTheAlgorithmInATrailingColumn()
    {
        var (code, output, err) = CmxRunner.Run("collective", "--op", "allreduce", "--system", "gb200-nvl72", "--ranks", "8", "--algo", "ring,direct",
            "--min-bytes", "1K", "--max-bytes", "4K");
        Assert.True(code == 0, err);
        Assert.Equal(2, AvgBusBandwidth().Count(output));
        string[] algos = [.. output.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[13])];
        Assert.Equal(["ring", "ring", "ring", "direct", "direct", "direct"], algos);
        Assert.Equal(6, ParseRows(output).Count);
    }
}
