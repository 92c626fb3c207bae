using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CloudMatrix.Compute.Cli.Tests;

public class StepPlotTests
{
    [Fact]
    public void Matmul_Plot_WritesOneBarPerStepOnItsStream_TitledWithTheSystem()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cmx-step-{Guid.NewGuid():N}.svg");
        try
        {
            var (code, _, _) = CmxRunner.Run("matmul", "--m", "768", "--n", "768", "--k", "768", "--strategy", "collective-matmul", "--estimate", "--plot", path);
            Assert.Equal(0, code);
            XDocument svg = XDocument.Load(path); // well-formed XML
            string text = File.ReadAllText(path);
            Assert.Contains("simulated on cloudmatrix384", text, StringComparison.Ordinal);
            // collective-matmul on dp=48,tp=8: 8 GEMM steps and 7 ppermute steps, each a bar with a tooltip.
            Assert.Equal(15, Regex.Count(text, "<title>"));
            Assert.Equal(7, Regex.Count(text, "fill=\"#D55E00\" fill-opacity"));
            Assert.NotNull(svg.Root);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Matmul_Plot_NotSvg_IsUsageError()
    {
        var (code, _, err) = CmxRunner.Run("matmul", "--estimate", "--plot", "step.png");
        Assert.Equal(2, code);
        Assert.Contains("--plot", err, StringComparison.Ordinal);
    }
}
