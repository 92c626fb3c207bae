namespace CloudMatrix.Compute.Cli.Tests;

public class VersionAndHelpTests
{
    [Fact]
    public void Version_PrintsTheLibraryVersion_AndExitsZero()
    {
        var (code, output, _) = CmxRunner.Run("--version");
        Assert.Equal(0, code);
        Version expected = typeof(Numerics.BFloat16).Assembly.GetName().Version!;
        Assert.StartsWith($"{expected.Major}.{expected.Minor}.{expected.Build}", output.Trim(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_ListsVerbsAndGlobalOptions_AndExitsZero(string flag)
    {
        var (code, output, _) = CmxRunner.Run(flag);
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("about", output, StringComparison.Ordinal);
        Assert.Contains("--json", output, StringComparison.Ordinal);
        Assert.Contains("--version", output, StringComparison.Ordinal);
    }

    [Fact]
    public void VerbHelp_DescribesTheVerb()
    {
        var (code, output, _) = CmxRunner.Run("about", "--help");
        Assert.Equal(0, code);
        Assert.Contains("SIMD", output, StringComparison.Ordinal);
    }
}
