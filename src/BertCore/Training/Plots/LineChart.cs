using System.Globalization;

namespace BertCore.Training.Plots;

/// <summary>One curve of a <see cref="LineChart"/>; non-finite points are skipped (the line breaks there).</summary>
/// <param name="Markers">Draw a small square at every point (for sparse series such as evaluations).</param>
public sealed record ChartSeries(string Label, IReadOnlyList<(double X, double Y)> Points, Rgb Color, bool Markers = false);

/// <summary>
/// Renders curves into a <see cref="Raster"/>: a framed plot area scaled to the data's range, five labelled ticks
/// on each axis (the first and last are the minimum and maximum), an optional axis title under the x axis and a
/// legend above the plot.
/// </summary>
public static class LineChart
{
    private const int Scale = 2;                                  // font pixels → image pixels
    private const int CharHeight = BitmapFont.Height * Scale;
    private const int Left = 100, Right = 24, Top = 40, Bottom = 64;
    private const int Ticks = 5;

    public static Raster Render(IReadOnlyList<ChartSeries> series, int width = 900, int height = 540, string? xTitle = null)
    {
        var image = new Raster(width, height, Rgb.White);
        var finite = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
        if (finite.Length == 0) return image;
        var (x0, x1) = Range(finite.Select(p => p.X));
        var (y0, y1) = Range(finite.Select(p => p.Y));
        int left = Left, right = width - Right, top = Top, bottom = height - Bottom;
        int Px(double x) => left + (int)Math.Round((x - x0) / (x1 - x0) * (right - left));
        int Py(double y) => bottom - (int)Math.Round((y - y0) / (y1 - y0) * (bottom - top));

        for (int i = 0; i < Ticks; i++)
        {
            double fx = x0 + (x1 - x0) * i / (Ticks - 1), fy = y0 + (y1 - y0) * i / (Ticks - 1);
            int px = Px(fx), py = Py(fy);
            image.Line(px, top, px, bottom, Rgb.Gray);
            image.Line(left, py, right, py, Rgb.Gray);
            string xLabel = Label(fx), yLabel = Label(fy);
            image.Text(px - BitmapFont.Measure(xLabel) * Scale / 2, bottom + 8, xLabel, Rgb.Black, Scale);
            image.Text(left - 8 - BitmapFont.Measure(yLabel) * Scale, py - CharHeight / 2, yLabel, Rgb.Black, Scale);
        }
        image.Line(left, top, left, bottom, Rgb.Black);
        image.Line(left, bottom, right, bottom, Rgb.Black);
        image.Line(right, top, right, bottom, Rgb.Black);
        image.Line(left, top, right, top, Rgb.Black);
        if (xTitle != null)
            image.Text((left + right - BitmapFont.Measure(xTitle) * Scale) / 2, bottom + 16 + CharHeight, xTitle, Rgb.Black, Scale);

        int legendX = left;
        foreach (var s in series)
        {
            image.Fill(legendX, 14, legendX + 24, 14 + CharHeight - 1, s.Color);
            image.Text(legendX + 32, 14, s.Label, Rgb.Black, Scale);
            legendX += 32 + BitmapFont.Measure(s.Label) * Scale + 40;
            Draw(image, s, Px, Py);
        }
        return image;
    }

    private static void Draw(Raster image, ChartSeries s, Func<double, int> px, Func<double, int> py)
    {
        (int X, int Y)? previous = null;
        foreach (var (x, y) in s.Points)
        {
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                previous = null;
                continue;
            }
            var point = (X: px(x), Y: py(y));
            if (previous is { } p)
            {
                image.Line(p.X, p.Y, point.X, point.Y, s.Color);
                image.Line(p.X, p.Y + 1, point.X, point.Y + 1, s.Color);   // two pixels thick
            }
            if (s.Markers) image.Fill(point.X - 3, point.Y - 3, point.X + 3, point.Y + 3, s.Color);
            previous = point;
        }
    }

    /// <summary>The data's range, widened when it is a single value so that the scale is defined.</summary>
    private static (double Min, double Max) Range(IEnumerable<double> values)
    {
        double min = double.MaxValue, max = double.MinValue;
        foreach (var v in values) { min = Math.Min(min, v); max = Math.Max(max, v); }
        if (max - min <= Math.Abs(max) * 1e-12) { min -= 0.5 + Math.Abs(min) * 0.05; max += 0.5 + Math.Abs(max) * 0.05; }
        return (min, max);
    }

    private static string Label(double v) => v.ToString("G4", CultureInfo.InvariantCulture).ToLowerInvariant();
}
