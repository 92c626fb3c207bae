using System.Text.Json;

namespace CloudMatrix.Compute.Cli.Tests;

public class CliConventionTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CmxApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void UnknownOption_IsUsageError_WithExitCode2()
    {
        var (code, _, err) = Run("--no-such-option");
        Assert.Equal(2, code);
        Assert.Contains("--no-such-option", err, StringComparison.Ordinal);
    }

    [Fact]
    public void About_Json_WritesOneObjectToStdout()
    {
        var (code, output, _) = Run("about", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        Assert.True(doc.RootElement.GetProperty("host_cores").GetInt32() >= 1);
    }

    [Fact]
    public void NoArguments_RunsMainJob()
    {
        var (code, output, _) = Run();
        Assert.Equal(0, code);
        Assert.Contains("CloudMatrix384", output, StringComparison.Ordinal);
    }
}
