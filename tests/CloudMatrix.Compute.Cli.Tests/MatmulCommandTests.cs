using System.Text.Json;

namespace CloudMatrix.Compute.Cli.Tests;

public class MatmulCommandTests
{
    private static readonly string[] Fields =
    [
        "strategy", "mesh", "a_spec", "b_spec", "c_spec", "simulated_seconds", "compute_seconds", "comm_seconds",
        "exposed_comm_seconds", "pflops", "peak_fraction", "bytes_per_device", "memory_per_device_bytes", "energy_joules",
        "max_abs_error", "max_rel_error", "verified", "host_seconds", "host_execute_seconds", "host_verify_seconds",
    ];

    [Fact]
    public void Matmul_Json_HasTheNamedFieldsAndVerifies()
    {
        var (code, output, _) = CmxRunner.Run("matmul", "--m", "384", "--n", "384", "--k", "768", "--mesh", "x=16,y=24", "--strategy", "summa", "--backend", "cpu-simd", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        foreach (string f in Fields) Assert.True(doc.RootElement.TryGetProperty(f, out _), $"missing {f}");
        Assert.True(doc.RootElement.GetProperty("verified").GetBoolean());
        Assert.Equal("mesh{x=16, y=24}", doc.RootElement.GetProperty("mesh").GetString());
        Assert.Equal("bf16[384@x, 384@y]", doc.RootElement.GetProperty("c_spec").GetString());
    }

    [Fact]
    public void Matmul_NotOnATerminal_PrintsPlainProgressLines_AndNoneWithJson()
    {
        // Captured output is not a terminal: every phase of the real run is a plain line (no carriage returns), in
        // order; with --json standard output is the JSON alone.
        var (code, output, err) = CmxRunner.Run("matmul", "--m", "384", "--n", "384", "--k", "768", "--mesh", "x=16,y=24", "--strategy", "summa", "--backend", "cpu-simd");
        Assert.Equal(0, code);
        Assert.DoesNotContain('\r', output + err);
        int distribute = output.IndexOf("distributing A and B", StringComparison.Ordinal);
        int ran = output.IndexOf("ran ", StringComparison.Ordinal);
        int verify = output.IndexOf("verifying C against FP64", StringComparison.Ordinal);
        Assert.True(distribute >= 0 && ran > distribute && verify > distribute, output);
        var (jsonCode, json, _) = CmxRunner.Run("matmul", "--m", "384", "--n", "384", "--k", "768", "--mesh", "x=16,y=24", "--strategy", "summa", "--backend", "cpu-simd", "--json");
        Assert.Equal(0, jsonCode);
        using var doc = JsonDocument.Parse(json);
        Assert.True(doc.RootElement.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public void Matmul_Specs_ReduceScatterOutAndTrace()
    {
        string trace = Path.Combine(Path.GetTempPath(), $"cmx-trace-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output, _) = CmxRunner.Run("matmul", "--m", "768", "--n", "768", "--k", "768", "--a-spec", "dp,tp", "--b-spec", "tp,", "--c-spec", "dp+tp,", "--estimate", "--trace", trace, "--json");
            Assert.Equal(0, code);
            using var doc = JsonDocument.Parse(output);
            Assert.Equal("bf16[768@(dp,tp), 768]", doc.RootElement.GetProperty("c_spec").GetString());
            using var t = JsonDocument.Parse(File.ReadAllText(trace));
            Assert.Contains(t.RootElement.EnumerateArray(), e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("name").GetString()!.Contains("reduce-scatter", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Theory]
    [InlineData("--m 8192 --mesh dp=48,tp=8 --strategy rows --estimate", "8064 or 8448")]
    [InlineData("--mesh dp=48,tp=4 --estimate", "--mesh")]
    [InlineData("--a-spec dp,pp --b-spec pp, --estimate", "'pp'")]
    [InlineData("--a-spec dp,dp --b-spec tp, --estimate", "twice")]
    [InlineData("--strategy diagonal --estimate", "--strategy")]
    [InlineData("--strategy cannon --estimate", "square")]
    [InlineData("--m 0 --estimate", "--m is 0")]
    [InlineData("--reduce tree --estimate", "--reduce")]
    [InlineData("--estimate --backend cuda", "--estimate")]
    [InlineData("--estimate --trace .", "--trace")]
    [InlineData("--estimate --plot .", "--plot")]
    public void Matmul_BadInput_IsUsageErrorNamingTheParameter(string args, string expected)
    {
        var (code, output, err) = CmxRunner.Run(["matmul", .. args.Split(' ')]);
        Assert.Equal(2, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.DoesNotContain("verified: yes", output, StringComparison.Ordinal);
    }
}
