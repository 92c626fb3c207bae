using System.Globalization;
using System.Security;
using System.Text;

namespace CloudMatrix.Compute.Cli.Plots;

/// <summary>
/// A chart written as SVG text by hand: a title, panels side by side that share one set of series names, one legend
/// under the panels (never over the data) and notes under the legend. Each series has its own colour, dash pattern
/// and hollow marker shape, and earlier series get larger markers, so series that coincide still show as nested
/// markers. No drawing library: the <c>cmx</c> tool package stays small and loads no native code.
/// </summary>
internal sealed class SvgChart(string title)
{
    // Okabe-Ito colours: told apart with the common colour-vision deficiencies.
    private static readonly string[] Colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"];
    private static readonly string[] Dashes = ["", "7 3", "2 2", "9 3 2 3", "4 4", "12 4", "3 5", "6 2 2 2 2 2"];

    private const double Width = 1200, PanelTop = 64, PanelHeight = 380, MarginLeft = 78, PanelGap = 96, MarginRight = 24;
    private const double LegendItemWidth = 230, LegendRowHeight = 22, NoteRowHeight = 18;

    private readonly List<(string Title, PlotAxis X, PlotAxis Y, IReadOnlyList<PlotSeries> Series)> _panels = [];
    private readonly List<string> _notes = [];

    /// <summary>Adds a panel; every panel must list the same series names in the same order.</summary>
    public void AddPanel(string panelTitle, PlotAxis x, PlotAxis y, IReadOnlyList<PlotSeries> series) => _panels.Add((panelTitle, x, y, series));

    /// <summary>Adds a line of text under the legend.</summary>
    public void AddNote(string note) => _notes.Add(note);

    /// <summary>The whole chart as an SVG document.</summary>
    public string Render()
    {
        IReadOnlyList<string> names = _panels.Count > 0 ? [.. _panels[0].Series.Select(s => s.Name)] : [];
        int perRow = Math.Max(1, (int)((Width - MarginLeft - MarginRight) / LegendItemWidth));
        int legendRows = (names.Count + perRow - 1) / perRow;
        double legendTop = PanelTop + PanelHeight + 62;
        double height = legendTop + (legendRows * LegendRowHeight) + (_notes.Count * NoteRowHeight) + 16;

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height:F0}\" viewBox=\"0 0 {Width} {height:F0}\" font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\" font-size=\"13\">\n"));
        svg.Append(Invariant($"<rect width=\"{Width}\" height=\"{height:F0}\" fill=\"white\"/>\n"));
        svg.Append(Invariant($"<text x=\"{Width / 2}\" y=\"28\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\">{Escape(title)}</text>\n"));
        double panelWidth = (Width - MarginLeft - MarginRight - ((_panels.Count - 1) * PanelGap)) / Math.Max(1, _panels.Count);
        for (int p = 0; p < _panels.Count; p++)
        {
            DrawPanel(svg, MarginLeft + (p * (panelWidth + PanelGap)), panelWidth, _panels[p]);
        }

        DrawLegend(svg, names, perRow, legendTop);
        for (int i = 0; i < _notes.Count; i++)
        {
            double y = legendTop + (legendRows * LegendRowHeight) + ((i + 0.7) * NoteRowHeight);
            svg.Append(Invariant($"<text x=\"{MarginLeft}\" y=\"{y:F1}\" fill=\"#333\">{Escape(_notes[i])}</text>\n"));
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void DrawPanel(StringBuilder svg, double left, double width, (string Title, PlotAxis X, PlotAxis Y, IReadOnlyList<PlotSeries> Series) panel)
    {
        double top = PanelTop, bottom = PanelTop + PanelHeight;
        double Px(double v) => left + (panel.X.Fraction(v) * width);
        double Py(double v) => bottom - (panel.Y.Fraction(v) * PanelHeight);

        svg.Append(Invariant($"<text x=\"{left + (width / 2):F1}\" y=\"{top - 10}\" text-anchor=\"middle\" font-size=\"14\">{Escape(panel.Title)}</text>\n"));
        foreach (var (value, text) in panel.Y.Ticks)
        {
            double y = Py(value);
            svg.Append(Invariant($"<line x1=\"{left:F1}\" y1=\"{y:F1}\" x2=\"{left + width:F1}\" y2=\"{y:F1}\" stroke=\"#e4e4e4\"/>"));
            svg.Append(Invariant($"<text x=\"{left - 8:F1}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{Escape(text)}</text>\n"));
        }

        foreach (var (value, text) in panel.X.Ticks)
        {
            double x = Px(value);
            svg.Append(Invariant($"<line x1=\"{x:F1}\" y1=\"{top:F1}\" x2=\"{x:F1}\" y2=\"{bottom:F1}\" stroke=\"#e4e4e4\"/>"));
            svg.Append(Invariant($"<text x=\"{x:F1}\" y=\"{bottom + 22:F1}\" text-anchor=\"middle\">{Escape(text)}</text>\n"));
        }

        svg.Append(Invariant($"<rect x=\"{left:F1}\" y=\"{top:F1}\" width=\"{width:F1}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#333\"/>\n"));
        svg.Append(Invariant($"<text x=\"{left + (width / 2):F1}\" y=\"{bottom + 40:F1}\" text-anchor=\"middle\">{Escape(panel.X.Label)}</text>\n"));
        svg.Append(Invariant($"<text transform=\"translate({left - 56:F1},{top + (PanelHeight / 2):F1}) rotate(-90)\" text-anchor=\"middle\">{Escape(panel.Y.Label)}</text>\n"));

        for (int s = 0; s < panel.Series.Count; s++)
        {
            var points = panel.Series[s].Points
                .Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!panel.X.Log || p.X > 0) && (!panel.Y.Log || p.Y > 0))
                .Select(p => (X: Px(p.X), Y: Py(p.Y))).ToList();
            if (points.Count == 0) continue;
            string path = string.Join(' ', points.Select((p, i) => Invariant($"{(i == 0 ? 'M' : 'L')}{p.X:F1},{p.Y:F1}")));
            string dash = Dashes[s % Dashes.Length].Length > 0 ? $" stroke-dasharray=\"{Dashes[s % Dashes.Length]}\"" : "";
            svg.Append(Invariant($"<path d=\"{path}\" fill=\"none\" stroke=\"{Colours[s % Colours.Length]}\" stroke-width=\"1.6\"{dash}/>\n"));
            double size = MarkerSize(s, panel.Series.Count);
            foreach (var (x, y) in points)
            {
                svg.Append(Marker(s, x, y, size)).Append('\n');
            }
        }
    }

    private static void DrawLegend(StringBuilder svg, IReadOnlyList<string> names, int perRow, double legendTop)
    {
        for (int s = 0; s < names.Count; s++)
        {
            double x = MarginLeft + ((s % perRow) * LegendItemWidth);
            double y = legendTop + ((s / perRow) * LegendRowHeight);
            string dash = Dashes[s % Dashes.Length].Length > 0 ? $" stroke-dasharray=\"{Dashes[s % Dashes.Length]}\"" : "";
            svg.Append(Invariant($"<path d=\"M{x:F1},{y:F1} L{x + 40:F1},{y:F1}\" stroke=\"{Colours[s % Colours.Length]}\" stroke-width=\"1.6\"{dash}/>"));
            svg.Append(Marker(s, x + 20, y, MarkerSize(s, names.Count)));
            svg.Append(Invariant($"<text x=\"{x + 48:F1}\" y=\"{y + 4.5:F1}\">{Escape(names[s])}</text>\n"));
        }
    }

    // Earlier series get larger hollow markers, so identical points show as nested shapes.
    private static double MarkerSize(int series, int count) => 4 + (1.7 * Math.Min(7, count - 1 - series));

    private static string Marker(int series, double x, double y, double r)
    {
        string stroke = $"fill=\"none\" stroke=\"{Colours[series % Colours.Length]}\" stroke-width=\"1.5\"";
        return (series % 8) switch
        {
            0 => Invariant($"<circle cx=\"{x:F1}\" cy=\"{y:F1}\" r=\"{r:F1}\" {stroke}/>"),
            1 => Invariant($"<rect x=\"{x - r:F1}\" y=\"{y - r:F1}\" width=\"{2 * r:F1}\" height=\"{2 * r:F1}\" {stroke}/>"),
            2 => Invariant($"<path d=\"M{x:F1},{y - r:F1} L{x + r:F1},{y + (0.8 * r):F1} L{x - r:F1},{y + (0.8 * r):F1} Z\" {stroke}/>"),
            3 => Invariant($"<path d=\"M{x:F1},{y - r:F1} L{x + r:F1},{y:F1} L{x:F1},{y + r:F1} L{x - r:F1},{y:F1} Z\" {stroke}/>"),
            4 => Invariant($"<path d=\"M{x:F1},{y + r:F1} L{x + r:F1},{y - (0.8 * r):F1} L{x - r:F1},{y - (0.8 * r):F1} Z\" {stroke}/>"),
            5 => Invariant($"<path d=\"M{x - r:F1},{y:F1} L{x + r:F1},{y:F1} M{x:F1},{y - r:F1} L{x:F1},{y + r:F1}\" {stroke}/>"),
            6 => Invariant($"<path d=\"M{x - r:F1},{y - r:F1} L{x + r:F1},{y + r:F1} M{x - r:F1},{y + r:F1} L{x + r:F1},{y - r:F1}\" {stroke}/>"),
            _ => Invariant($"<path d=\"M{x - r:F1},{y:F1} L{x:F1},{y - r:F1} L{x + r:F1},{y:F1} L{x:F1},{y + r:F1} Z M{x - r:F1},{y:F1} L{x + r:F1},{y:F1}\" {stroke}/>"),
        };
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
