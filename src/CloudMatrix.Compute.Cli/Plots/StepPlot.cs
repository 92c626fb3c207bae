using System.Globalization;
using System.Security;
using System.Text;
using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Cli.Plots;

/// <summary>
/// The simulated step of a plan as an SVG timeline: one lane for the compute stream (GEMM and local steps) and one for
/// the communication stream, each step a bar from its simulated start to its end, the time axis in microseconds from 0,
/// the title naming the system ("simulated on ..."), the legend and the totals (compute, communication, exposed)
/// under the lanes. Hand-written SVG, as the other plots.
/// </summary>
internal static class StepPlot
{
    private const double Width = 1200, Left = 150, Right = 30, Top = 70, Lane = 56, LaneGap = 18;

    public static string Render(RunReport report)
    {
        var c = CultureInfo.InvariantCulture;
        double end = Math.Max(report.SimulatedSeconds, 1e-12) * 1e6;
        double plotWidth = Width - Left - Right;
        double X(double seconds) => Left + (seconds * 1e6 / end * plotWidth);
        string[] lanes = ["compute", "communication"];
        double axisY = Top + (lanes.Length * (Lane + LaneGap));
        double height = axisY + 120;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height:F0}\" viewBox=\"0 0 {Width} {height:F0}\" font-family=\"sans-serif\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(c, $"<text x=\"{Width / 2}\" y=\"28\" text-anchor=\"middle\" font-size=\"18\">{Esc($"{report.Strategy} on {report.Mesh}, {report.M} x {report.N} x {report.K} BF16: simulated on {report.System}")}</text>\n");
        svg.Append(c, $"<text x=\"{Width / 2}\" y=\"50\" text-anchor=\"middle\" font-size=\"13\" fill=\"#444\">{Esc($"step {report.SimulatedSeconds * 1e6:F1} us; bars: each plan step on its stream (simulated time, not host time)")}</text>\n");
        for (int i = 0; i < lanes.Length; i++)
        {
            double y = Top + (i * (Lane + LaneGap));
            svg.Append(c, $"<text x=\"{Left - 10}\" y=\"{y + (Lane / 2) + 5:F1}\" text-anchor=\"end\" font-size=\"14\">{lanes[i]}</text>\n");
            svg.Append(c, $"<rect x=\"{Left}\" y=\"{y:F1}\" width=\"{plotWidth:F1}\" height=\"{Lane}\" fill=\"#f4f4f4\" stroke=\"#ccc\"/>\n");
        }

        foreach (StepTiming s in report.Steps)
        {
            bool comm = s.Kind == "collective";
            double y = Top + ((comm ? 1 : 0) * (Lane + LaneGap));
            double x0 = X(s.StartSeconds), x1 = Math.Max(X(s.EndSeconds), x0 + 1);
            string fill = comm ? "#D55E00" : s.Kind == "gemm" ? "#0072B2" : "#009E73";
            svg.Append(c, $"<rect x=\"{x0:F2}\" y=\"{y + 4:F1}\" width=\"{x1 - x0:F2}\" height=\"{Lane - 8}\" fill=\"{fill}\" fill-opacity=\"0.85\" stroke=\"white\" stroke-width=\"0.6\"><title>{Esc($"{s.Name}: {s.StartSeconds * 1e6:F2}-{s.EndSeconds * 1e6:F2} us; {s.Detail}")}</title></rect>\n");
        }

        // Time axis from 0, ticks at round microseconds.
        svg.Append(c, $"<line x1=\"{Left}\" y1=\"{axisY:F1}\" x2=\"{Left + plotWidth:F1}\" y2=\"{axisY:F1}\" stroke=\"black\"/>\n");
        double step = Tick(end);
        for (double t = 0; t <= end * 1.0000001; t += step)
        {
            double x = Left + (t / end * plotWidth);
            svg.Append(c, $"<line x1=\"{x:F1}\" y1=\"{axisY:F1}\" x2=\"{x:F1}\" y2=\"{axisY + 6:F1}\" stroke=\"black\"/><text x=\"{x:F1}\" y=\"{axisY + 22:F1}\" text-anchor=\"middle\" font-size=\"12\">{t.ToString("G4", c)}</text>\n");
        }

        svg.Append(c, $"<text x=\"{Left + (plotWidth / 2):F1}\" y=\"{axisY + 42:F1}\" text-anchor=\"middle\" font-size=\"13\">simulated time (us)</text>\n");
        double legendY = axisY + 70;
        (string Name, string Colour)[] legend = [("GEMM step", "#0072B2"), ("local step (slice, convert)", "#009E73"), ("collective step", "#D55E00")];
        for (int i = 0; i < legend.Length; i++)
        {
            double x = Left + (i * 260);
            svg.Append(c, $"<rect x=\"{x}\" y=\"{legendY - 11:F1}\" width=\"14\" height=\"14\" fill=\"{legend[i].Colour}\"/><text x=\"{x + 20}\" y=\"{legendY:F1}\" font-size=\"13\">{Esc(legend[i].Name)}</text>\n");
        }

        svg.Append(c, $"<text x=\"{Left}\" y=\"{legendY + 26:F1}\" font-size=\"13\" fill=\"#444\">{Esc($"compute {report.ComputeSeconds * 1e6:F1} us, communication {report.CommSeconds * 1e6:F1} us, exposed communication {report.ExposedCommSeconds * 1e6:F1} us; {report.Pflops:F1} PFLOP/s = {report.PeakFraction:P1} of the mesh's BF16 peak")}</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static double Tick(double end)
    {
        double raw = end / 8, p = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double n = raw / p;
        return p * (n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10);
    }

    private static string Esc(string s) => SecurityElement.Escape(s) ?? "";
}
