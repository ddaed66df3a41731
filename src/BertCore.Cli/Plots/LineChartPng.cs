using BertCore.IO;
using ScottPlot;

namespace BertCore.Cli.Plots;

/// <summary>One curve of a chart: y against x; points where either is not finite are left out.</summary>
/// <param name="Markers">Draw a marker at every point (for sparse series such as evaluations).</param>
public sealed record Curve(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, bool Markers = false);

/// <summary>Draws curves with ScottPlot into a PNG file (written atomically), the legend above the plot.</summary>
public static class LineChartPng
{
    /// <summary>Image size in pixels.</summary>
    public const int Width = 900, Height = 540;

    /// <summary>Colours of successive curves (matplotlib's first four, as the engine's old charts).</summary>
    private static readonly Color[] Palette = [new(31, 119, 180), new(214, 39, 40), new(44, 160, 44), new(255, 127, 14)];

    /// <summary>Writes the curves to <paramref name="path"/> with <paramref name="xTitle"/> under the x axis.</summary>
    public static void Write(string path, IReadOnlyList<Curve> curves, string xTitle)
    {
        var plot = new Plot();
        for (int i = 0; i < curves.Count; i++)
        {
            var c = curves[i];
            var finite = Enumerable.Range(0, c.X.Count).Where(k => double.IsFinite(c.X[k]) && double.IsFinite(c.Y[k])).ToArray();
            var scatter = plot.Add.Scatter(finite.Select(k => c.X[k]).ToArray(), finite.Select(k => c.Y[k]).ToArray(), Palette[i % Palette.Length]);
            scatter.LegendText = c.Label;
            scatter.LineWidth = 2;
            scatter.MarkerSize = c.Markers ? 7 : 0;
        }
        plot.XLabel(xTitle);
        plot.ShowLegend(Edge.Top);
        var png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }
}
