using CloudMatrix.Compute.Testing;
using System.Text.Json;

namespace CloudMatrix.Compute.Cli.Tests;

public class CliConventionTests
{
    [Fact]
    public void UnknownOption_IsUsageError_WithExitCode2()
    {
        var (code, _, err) = CmxRunner.Run("--no-such-option");
        Assert.Equal(2, code);
        Assert.Contains("--no-such-option", err, StringComparison.Ordinal);
    }

    [Fact]
    public void About_Json_WritesOneObjectToStdout()
    {
        var (code, output, _) = CmxRunner.Run("about", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        Assert.True(doc.RootElement.GetProperty("host_cores").GetInt32() >= 1);
    }

    [Fact]
    public void Help_ListsTheMainJobsOptions()
    {
        // The root command is the main job: its options are the root's (running it is the heavy test below).
        var (code, output, _) = CmxRunner.Run("--help");
        Assert.Equal(0, code);
        foreach (string option in new[] { "--size", "--m", "--n", "--k", "--system", "--topology", "--compare", "--strategy", "--backend", "--estimate" })
        {
            Assert.Contains(option + " ", output, StringComparison.Ordinal);
        }

        Assert.Contains("Run with no arguments for the main job", output, StringComparison.Ordinal);
    }

    [HeavyFact]
    public void NoArguments_RunsMainJob()
    {
        // A full 8192^3 plan and real run: minutes on 2 cores, so it is in the heavy category.
        var (code, output, _) = CmxRunner.Run();
        Assert.Equal(0, code);
        Assert.Contains("CloudMatrix384", output, StringComparison.Ordinal);
    }
}
