using BertCore.Training.Plots;

namespace BertCore.Training.FineTuning;

/// <summary>
/// The curve PNGs of a fine-tuning run: <see cref="LossFile"/> (the training loss of every step and the dev loss at
/// each evaluation) and <see cref="DevFile"/> (every dev metric at each evaluation), both against the step.
/// </summary>
public static class FineTuningPlots
{
    public const string LossFile = "loss.png";
    public const string DevFile = "dev.png";

    /// <summary>Colours of successive series (matplotlib's first four).</summary>
    public static IReadOnlyList<Rgb> Palette { get; } = [new(31, 119, 180), new(214, 39, 40), new(44, 160, 44), new(255, 127, 14)];

    /// <summary>Redraws both charts from the rows into <paramref name="dir"/>, atomically; the dev chart only once
    /// there is an evaluation, nothing for no rows.</summary>
    public static void Write(string dir, IReadOnlyList<FineTuningRow> rows)
    {
        if (rows.Count == 0) return;
        var evaluated = rows.Where(r => r.Dev != null).ToArray();
        var loss = new List<ChartSeries> { new("train loss", rows.Select(r => ((double)r.Step, r.Loss)).ToArray(), Palette[0]) };
        if (evaluated.Any(r => !double.IsNaN(r.Dev!.Loss)))
            loss.Add(new ChartSeries("dev loss", evaluated.Select(r => ((double)r.Step, r.Dev!.Loss)).ToArray(), Palette[1], Markers: true));
        PngEncoder.Write(Path.Combine(dir, LossFile), LineChart.Render(loss, xTitle: "step"));
        if (evaluated.Length == 0) return;
        var metrics = evaluated[0].Dev!.Values.Select(v => v.Key).ToArray();
        var dev = metrics.Select((m, i) => new ChartSeries("dev " + m, evaluated.Select(r => ((double)r.Step, r.Dev![m])).ToArray(),
            Palette[i % Palette.Count], Markers: true)).ToList();
        PngEncoder.Write(Path.Combine(dir, DevFile), LineChart.Render(dev, xTitle: "step"));
    }
}
