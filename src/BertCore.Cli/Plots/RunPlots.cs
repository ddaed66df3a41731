namespace BertCore.Cli.Plots;

/// <summary>
/// The curve PNGs of a training run, drawn from the metrics.csv the engine writes in its output folder:
/// <see cref="LossFile"/> (the training loss of every step, and the held-out loss at each evaluation: ln(perplexity)
/// for pretraining, dev_loss for fine-tuning) and, when the run has dev metrics, <see cref="DevFile"/> (every dev
/// metric at each evaluation), both against the step.
/// </summary>
public static class RunPlots
{
    public const string MetricsFile = "metrics.csv";
    public const string LossFile = "loss.png";
    public const string DevFile = "dev.png";

    /// <summary>Redraws the plots of the run in <paramref name="directory"/>; returns the files written (none when there
    /// is no metrics.csv or it has no rows).</summary>
    /// <exception cref="BertCore.IO.InvalidFileException">metrics.csv is malformed.</exception>
    public static IReadOnlyList<string> Write(string directory)
    {
        var path = Path.Combine(directory, MetricsFile);
        if (!File.Exists(path)) return [];
        var csv = MetricsCsv.Read(path);
        if (csv.RowCount == 0) return [];
        var step = csv.Column("step")!;
        var loss = new List<Curve> { new("train loss", step, csv.Column("loss") ?? throw Missing(path, "loss")) };
        if (csv.Column("eval_perplexity") is { } perplexity && perplexity.Any(double.IsFinite))
            loss.Add(new Curve("eval mlm loss", step, perplexity.Select(p => Math.Log(p)).ToArray(), Markers: true));
        if (csv.Column("dev_loss") is { } devLoss && devLoss.Any(double.IsFinite))
            loss.Add(new Curve("dev loss", step, devLoss, Markers: true));
        var written = new List<string> { Path.Combine(directory, LossFile) };
        LineChartPng.Write(written[0], loss, "step");

        var dev = csv.Names.Where(n => n.StartsWith("dev_", StringComparison.Ordinal) && n != "dev_loss")
            .Select(n => new Curve(n.Replace('_', ' '), step, csv.Column(n)!, Markers: true))
            .Where(c => c.Y.Any(double.IsFinite)).ToArray();
        if (dev.Length > 0)
        {
            written.Add(Path.Combine(directory, DevFile));
            LineChartPng.Write(written[1], dev, "step");
        }
        return written;
    }

    private static BertCore.IO.InvalidFileException Missing(string path, string column) => new(path, 1, $"the header has no '{column}' column");
}
