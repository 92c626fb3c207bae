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
    public void NoArguments_RunsMainJob()
    {
        var (code, output, _) = CmxRunner.Run();
        Assert.Equal(0, code);
        Assert.Contains("CloudMatrix384", output, StringComparison.Ordinal);
    }
}
