namespace CloudMatrix.Compute.Cli.Tests;

public class TerminalProgressTests
{
    [Fact]
    public void Enabled_OverwritesOneLine_AndClearLeavesItBlank()
    {
        var error = new StringWriter();
        using (var progress = new TerminalProgress(error, enabled: true))
        {
            progress.Report("ring at 8 B (1/4)");
            progress.Report("ring at 16 B (2/4)");
            progress.Clear();
        }

        Assert.Equal("\rring at 8 B (1/4)\rring at 16 B (2/4)\r" + new string(' ', 18) + "\r", error.ToString());
    }

    [Fact]
    public void Disabled_WritesNothing()
    {
        var error = new StringWriter();
        using (var progress = new TerminalProgress(error, enabled: false))
        {
            progress.Report("ring at 8 B (1/4)");
        }

        Assert.Empty(error.ToString());
    }

    [Fact]
    public void InProcessRuns_AreNotTerminals_SoTheirStderrHasNoProgress()
    {
        var (code, _, err) = CmxRunner.Run("collective", "--op", "allreduce", "--system", "gb200-nvl72", "--ranks", "8", "--min-bytes", "8", "--max-bytes", "64");
        Assert.Equal(0, code);
        Assert.DoesNotContain('\r', err);
    }
}
